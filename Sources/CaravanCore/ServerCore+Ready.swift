import CaravanDurability
public import CaravanRaft
import CaravanState
public import CaravanStorage

/// One `Ready` at a time: what to persist and send, then, once it is persisted, the snapshot it
/// installs, the entries it applies and the answers they give.
extension ServerCore {
    /// The next `Ready` of the raft core, if it has one and the server has not failed.
    public mutating func nextReady() -> ReadyWork? {
        guard failure == nil, raft.hasReady else { return nil }
        let ready = raft.ready()
        learnAddresses(from: ready.entries)
        let sendsFirst = raft.role == .leader && ready.hardState.map { $0.term == durableVote.term && $0.vote == durableVote.vote } ?? true
        return ReadyWork(ready: ready, sendsFirst: sendsFirst, frames: frames(for: ready.messages))
    }

    /// Makes the servers of every configuration among `entries` addressable, committed or not: a
    /// server that restarts knows its cluster only as of its last snapshot until its leader tells
    /// it what has committed, and it must be able to answer a leader added since (the entries
    /// come from its log or from the leader; the voters are raft's, as they commit).
    mutating func learnAddresses(from entries: [LogEntry]) {
        for entry in entries where entry.kind == .configuration {
            guard let configuration = try? Configuration(decoding: entry.data) else { continue }
            for server in configuration.servers where server.id != raft.id { addressBook[server.id] = server }
        }
    }

    /// The raft messages as frames to the servers they are for (messages to a server whose
    /// address is unknown are dropped: raft retransmits).
    func frames(for messages: [Message]) -> [(frame: PeerFrame, to: Server)] {
        messages.compactMap { message in addressBook[message.to].map { (.raft(message), $0) } }
    }

    /// Continues after the shell persisted `work` (`installed`: the snapshot file a snapshot from
    /// the leader became): installs that snapshot, applies the committed entries, answers reads
    /// and the writes whose entries applied, and takes note of a snapshot that is due.
    public mutating func persisted(_ work: ReadyWork, installed: StoredSnapshot?) -> CoreOutput {
        var output = CoreOutput()
        let ready = work.ready
        if let hardState = ready.hardState { durableVote = (hardState.term, hardState.vote) }
        if !ready.entries.isEmpty {
            statistics.batches += 1
            statistics.entries += ready.entries.count
        }
        if let snapshot = ready.snapshot {
            output.append(install(snapshot, stored: installed))
            guard failure == nil else { return output }
        }
        output.append(apply(ready.committedEntries))
        for read in ready.readStates {
            requests[read.requestID] = nil
            output.answers.append((read.requestID, .applied(read.index)))
        }
        raft.advance(ready)
        output.append(noticeLeadershipLoss())
        output.append(snapshotIfDue())
        return output
    }

    /// Applies committed entries in order; each one's state version goes out to be published,
    /// and the write that proposed it, here or on a follower, gets its answer.
    mutating func apply(_ entries: [LogEntry]) -> CoreOutput {
        var output = CoreOutput()
        for entry in entries {
            let applied = machine.apply(entry)
            if entry.kind == .configuration, let configuration = try? Configuration(decoding: entry.data) {
                for server in configuration.servers { addressBook[server.id] = server }
            }
            output.applied.append((entry, applied, machine.state))
            if let proposal = proposals.removeValue(forKey: entry.index) {
                output.proposals.append((proposal.token, proposal.term == entry.term ? .success(applied) : .failure(.leadershipLost)))
            }
            if let origin = forwarded.removeValue(forKey: entry.index), let peer = addressBook[origin.from] {
                let result: ForwardResult = origin.term == entry.term ? .applied(entry.index) : .leadershipLost
                output.frames.append((.forwardResult(requestID: origin.requestID, from: raft.id, result: result), peer))
            }
            remember(applied)
        }
        return output
    }

    /// Keeps what applying an entry did, for a follower answering a write its leader applied
    /// (without the command, which the answer does not need).
    mutating func remember(_ applied: AppliedEntry) {
        guard hasPeers else { return }
        recentlyApplied[applied.index] = AppliedEntry(index: applied.index, changes: applied.changes, result: applied.result)
        recentlyAppliedOrder.append(applied.index)
        if recentlyAppliedOrder.count > CoreLimits.recentlyAppliedResults {
            let forgotten = CoreLimits.recentlyAppliedResults / 2
            for index in recentlyAppliedOrder.prefix(forgotten) { recentlyApplied[index] = nil }
            recentlyAppliedOrder.removeFirst(forgotten)
        }
    }

    /// Replaces the state with a snapshot the leader sent.
    mutating func install(_ snapshot: RaftSnapshot, stored: StoredSnapshot?) -> CoreOutput {
        var output = CoreOutput()
        do {
            let decoded = try stored ?? SnapshotFiles.decode(snapshot.data)
            machine = StateMachine(state: try StateVersion(decoding: decoded.state))
        } catch {
            return fail("installing the snapshot at index \(snapshot.metadata.index): \(error)")
        }
        for server in snapshot.metadata.configuration.servers { addressBook[server.id] = server }
        output.restored = machine.state
        statistics.snapshotsInstalled += 1
        statistics.lastSnapshotIndex = snapshot.metadata.index
        snapshotDue = snapshot.metadata.index + durability.snapshotInterval
        for index in proposals.keys.sorted() where index <= snapshot.metadata.index {
            output.proposals.append((proposals.removeValue(forKey: index)!.token, .failure(.leadershipLost)))
        }
        return output
    }

    // MARK: Snapshots

    /// A snapshot of the applied state, when one is due and none is being written.
    mutating func snapshotIfDue() -> CoreOutput {
        var output = CoreOutput()
        guard takesSnapshots, durability.snapshotInterval > 0, !snapshotting, machine.halt == nil, machine.state.index >= snapshotDue else { return output }
        output.snapshot = snapshotJob()
        snapshotting = true
        return output
    }

    /// The snapshot of the applied state as it is now: its term and the configuration then, and
    /// how far the log may be compacted after it.
    public func snapshotJob() -> SnapshotJob {
        let index = machine.state.index
        let metadata = RaftSnapshotMetadata(index: index, term: raft.entry(at: index)?.term ?? raft.term, configuration: raft.configuration)
        return SnapshotJob(
            state: machine.state, metadata: metadata,
            compactThrough: index > durability.trailingEntries ? index - durability.trailingEntries : 0)
    }

    /// Takes note of a snapshot the shell wrote (`frame`: the file's bytes) or failed to write,
    /// and asks for the next one if it is already due.
    public mutating func snapshotWritten(_ job: SnapshotJob, frame: Result<[UInt8], any Error>) -> CoreOutput {
        snapshotting = false
        snapshotDue = max(snapshotDue, job.metadata.index + durability.snapshotInterval)
        switch frame {
        case .success(let frame):
            statistics.snapshots += 1
            statistics.lastSnapshotIndex = job.metadata.index
            statistics.lastSnapshotError = nil
            raft.snapshotTaken(RaftSnapshot(metadata: job.metadata, data: frame), compactingThrough: job.compactThrough)
        case .failure(let error):
            statistics.lastSnapshotError = String(describing: error)
        }
        return snapshotIfDue()
    }
}
