import CaravanDurability
import CaravanRaft
import CaravanState
import CaravanStorage

/// The processing loop: the inbox stepped into the raft core, each `Ready` persisted, sent and
/// applied.
extension ServerNode {
    func enqueue(_ input: Input) {
        inbox.append(input)
        guard !processing else { return }
        processing = true
        Task { await self.process() }
    }

    func process() async {
        while failure == nil {
            let inputs = inbox
            inbox = []
            handle(inputs)
            noticeLeadershipLoss()
            guard raft.hasReady else {
                if inbox.isEmpty { break } else { continue }
            }
            let ready = raft.ready()
            // A leader sends before it syncs, so its own write overlaps the followers' (thesis
            // §10.2.1): it counts itself towards a quorum only for what it has persisted, and its
            // term and vote were made durable while it was a candidate. Everyone else promises
            // what is on disk, so sends after.
            let sendsFirst =
                raft.role == .leader && ready.hardState.map { $0.term == durableVote.term && $0.vote == durableVote.vote } ?? true
            if sendsFirst { send(ready.messages) }
            do {
                _ = try await persistence.persist(snapshot: ready.snapshot, entries: ready.entries, hardState: ready.hardState)
            } catch {
                fail(String(describing: error))
                break
            }
            if let hardState = ready.hardState { durableVote = (hardState.term, hardState.vote) }
            if !ready.entries.isEmpty {
                statistics.batches += 1
                statistics.entries += ready.entries.count
            }
            if !sendsFirst { send(ready.messages) }
            if let snapshot = ready.snapshot { install(snapshot) }
            apply(ready.committedEntries)
            for read in ready.readStates { answer(read.requestID, .applied(read.index)) }
            raft.advance(ready)
            noticeLeadershipLoss()
            refreshStatus()
            snapshotIfDue()
        }
        processing = false
        refreshStatus()
        let idle = idleWaiters
        idleWaiters = []
        for waiter in idle { waiter.resume() }
    }

    func handle(_ inputs: [Input]) {
        var commands: [[UInt8]] = []
        var waiters: [CheckedContinuation<AppliedEntry, any Error>] = []
        var origins: [(from: NodeID, requestID: UInt64)?] = []
        for input in inputs {
            switch input {
            case .message(let message):
                let leaderBefore = raft.leader
                raft.step(message)
                if message.from == raft.leader, raft.leader != 0 || leaderBefore != 0 { noteLeaderContact() }
            case .tick:
                raft.tick()
                tickDiscovery()
            case .propose(let data, let waiter):
                commands.append(data)
                waiters.append(waiter)
                origins.append(nil)
            case .forwarded(let from, let requestID, .command(let data)):
                commands.append(data)
                origins.append((from, requestID))
            case .forwarded(let from, let requestID, let operation):
                let result = carryOut(operation)
                if let peer = addressBook[from] { send(.forwardResult(requestID: requestID, from: raft.id, result: result), to: peer) }
            case .local(let operation, let waiter):
                let result = carryOut(operation)
                waiter?.resume(returning: result)
            case .read(let requestID):
                do {
                    try raft.requestRead(requestID)
                } catch {
                    answer(requestID, .notLeader)
                }
            }
        }
        guard !commands.isEmpty else { return }
        do {
            var index = try raft.propose(commands)
            var nextWaiter = 0
            for origin in origins {
                if let origin {
                    forwarded[index] = (origin.from, origin.requestID, raft.term)
                } else {
                    proposals[index] = (raft.term, waiters[nextWaiter])
                    nextWaiter += 1
                }
                index += 1
            }
        } catch {
            for waiter in waiters { waiter.resume(throwing: SubmitError.noLeader) }
            for case let origin? in origins {
                if let peer = addressBook[origin.from] { send(.forwardResult(requestID: origin.requestID, from: raft.id, result: .notLeader), to: peer) }
            }
        }
    }

    /// Starts a membership change or transfer on this server, which should be the leader.
    func carryOut(_ operation: ForwardedOperation) -> ForwardResult {
        do {
            switch operation {
            case .command:
                return .failed("commands are proposed in batches")
            case .configuration(let change):
                let index = try raft.proposeConfigurationChange(change)
                // Only once the change is accepted: a refused one (a member's ID, say) must not
                // move anyone's address.
                if case .addNonvoter(let server) = change { addressBook[server.id] = server }
                return .applied(index)
            case .transferLeadership(let target):
                try raft.transferLeadership(to: target)
                return .applied(0)
            }
        } catch {
            switch error {
            case .notLeader: return .notLeader
            case .transferring: return .failed("a leadership transfer is in progress")
            case .configuration(let reason): return .failed(reason)
            }
        }
    }

    /// When this server stops leading, the writes it proposed and has not applied get
    /// "leadership lost" (they may still commit under the next leader, or not), as
    /// hashicorp/raft answers pending futures; forwarded ones are answered the same way, so that
    /// a follower does not retry a write that may yet apply.
    func noticeLeadershipLoss() {
        let isLeader = raft.role == .leader
        defer { wasLeader = isLeader }
        guard wasLeader, !isLeader else { return }
        for (_, proposal) in proposals { proposal.waiter.resume(throwing: SubmitError.leadershipLost) }
        proposals = [:]
        for (_, origin) in forwarded {
            if let peer = addressBook[origin.from] {
                send(.forwardResult(requestID: origin.requestID, from: raft.id, result: .leadershipLost), to: peer)
            }
        }
        forwarded = [:]
    }

    func fail(_ reason: String) {
        failure = reason
        wakeLeaderWaiters()
        for (_, proposal) in proposals { proposal.waiter.resume(throwing: SubmitError.storage(reason)) }
        proposals = [:]
        for input in inbox {
            if case .propose(_, let waiter) = input { waiter.resume(throwing: SubmitError.storage(reason)) }
        }
        inbox = []
    }

    // MARK: Applying

    func apply(_ entries: [LogEntry]) {
        guard !entries.isEmpty else { return }
        for entry in entries {
            let applied = machine.apply(entry)
            if entry.kind == .configuration, let configuration = try? Configuration(decoding: entry.data) {
                for server in configuration.servers { addressBook[server.id] = server }
            }
            store.publish(machine.state, changes: applied.changes)
            if let proposal = proposals.removeValue(forKey: entry.index) {
                if proposal.term == entry.term {
                    proposal.waiter.resume(returning: applied)
                } else {
                    proposal.waiter.resume(throwing: SubmitError.leadershipLost)
                }
            }
            if let origin = forwarded.removeValue(forKey: entry.index), let peer = addressBook[origin.from] {
                let result: ForwardResult = origin.term == entry.term ? .applied(entry.index) : .leadershipLost
                send(.forwardResult(requestID: origin.requestID, from: raft.id, result: result), to: peer)
            }
            remember(applied)
        }
        releaseApplyWaiters()
    }

    func remember(_ applied: AppliedEntry) {
        // Only a server with peers answers for writes another server (its leader) applied first.
        guard transport != nil else { return }
        recentlyApplied[applied.index] = applied
        recentlyAppliedOrder.append(applied.index)
        if recentlyAppliedOrder.count > 8192 {
            for index in recentlyAppliedOrder.prefix(4096) { recentlyApplied[index] = nil }
            recentlyAppliedOrder.removeFirst(4096)
        }
    }

    func releaseApplyWaiters() {
        let applied = machine.state.index
        guard applyWaiters.contains(where: { $0.index <= applied }) else { return }
        var waiting: [(id: UInt64, index: UInt64, waiter: CheckedContinuation<Void, Never>)] = []
        for item in applyWaiters {
            if item.index <= applied { item.waiter.resume() } else { waiting.append(item) }
        }
        applyWaiters = waiting
    }

    /// Replaces the state with a snapshot the leader sent.
    func install(_ snapshot: Snapshot) {
        do {
            let stored = try SnapshotStore.decode(snapshot.data)
            machine = StateMachine(state: try StateSnapshot(decoding: stored.state))
        } catch {
            fail("installing the snapshot at index \(snapshot.metadata.index): \(error)")
            return
        }
        for server in snapshot.metadata.configuration.servers { addressBook[server.id] = server }
        store.restore(machine.state)
        statistics.snapshotsInstalled += 1
        statistics.lastSnapshotIndex = snapshot.metadata.index
        snapshotDue = snapshot.metadata.index + durability.snapshotInterval
        for (index, proposal) in proposals where index <= snapshot.metadata.index {
            proposal.waiter.resume(throwing: SubmitError.leadershipLost)
            proposals[index] = nil
        }
        releaseApplyWaiters()
    }
}
