import CaravanCore
import CaravanDurability
import CaravanEvents
import CaravanRaft
import CaravanState
import CaravanStorage
import NIOPosix

/// The processing loop: the inbox handed to the core in batches, each `Ready` persisted, sent and
/// handed back, and what the core asks for done.
extension ServerNode {
    /// Whether the inbox has room for one more input (``ServerLimits/inbox``). Every caller of
    /// ``enqueue(_:)`` asks first and, at the bound, refuses or drops its input.
    var inboxHasRoom: Bool { inbox.count < limits.inbox }

    /// Adds an input to the inbox, which the caller checked has room, and starts the processing
    /// loop unless it runs.
    func enqueue(_ input: CoreInput) {
        inbox.append(input)
        guard !processing else { return }
        processing = true
        Task { await self.process() }
    }

    /// One tick of the clock; skipped while the inbox is full (the next comes a heartbeat later).
    func tick() {
        if inboxHasRoom { enqueue(.tick) }
    }

    func process() async {
        while failure == nil {
            let inputs = inbox
            inbox = []
            let leaderBefore = core.raft.leader
            perform(core.handle(inputs))
            if inputs.contains(where: { if case .message(let message) = $0 { message.from == core.raft.leader } else { false } }),
                core.raft.leader != 0 || leaderBefore != 0
            {
                noteLeaderContact()
            }
            guard let work = core.nextReady() else {
                if inbox.isEmpty { break } else { continue }
            }
            if work.sendsFirst { send(work.frames) }
            let installed: StoredSnapshot?
            do {
                installed = try await persistence.persist(snapshot: work.snapshot, entries: work.entries, hardState: work.hardState)
            } catch {
                fail(String(describing: error))
                break
            }
            if !work.sendsFirst { send(work.frames) }
            perform(core.persisted(work, installed: installed))
            refreshStatus()
        }
        processing = false
        refreshStatus()
        let idle = idleWaiters
        idleWaiters = []
        for waiter in idle { waiter.resume() }
    }

    /// Does what the core asks, in order: send, publish, answer, write a snapshot, log.
    func perform(_ output: CoreOutput) {
        guard !output.isEmpty else { return }
        send(output.frames)
        var state = store.state
        events.record(output, after: &state)
        if let restored = output.restored { store.restore(restored) }
        for applied in output.applied { store.publish(applied.state, changes: applied.result.changes) }
        for (token, result) in output.proposals {
            switch result {
            case .success(let entry): proposalWaiters.removeValue(forKey: token)?.resume(returning: entry)
            case .failure(let error): proposalWaiters.removeValue(forKey: token)?.resume(throwing: error)
            }
        }
        for (token, result) in output.operations { operationWaiters.removeValue(forKey: token)?.resume(returning: result) }
        for (requestID, result) in output.answers { requestWaiters.removeValue(forKey: requestID)?.resume(returning: result) }
        if !output.applied.isEmpty || output.restored != nil { releaseApplyWaiters() }
        if let configuration = output.bootstrap { bootstrap(configuration) }
        if let job = output.snapshot { writeInBackground(job) }
        for warning in output.warnings { peerLog.warning(warning.kind, warning.message) }
    }

    /// Stops taking writes: persisting failed, so what is on disk is no longer known, or the
    /// server stopped. Every write waiting, here or still in the inbox, gets `reason`.
    func fail(_ reason: String) {
        perform(core.fail(reason))
        for (_, waiter) in proposalWaiters { waiter.resume(throwing: SubmitError.storage(reason)) }
        proposalWaiters = [:]
        inbox = []
        wakeLeaderWaiters()
    }

    func releaseApplyWaiters() {
        let applied = core.machine.state.index
        guard applyWaiters.contains(where: { $0.index <= applied }) else { return }
        var waiting: [(id: UInt64, index: UInt64, waiter: CheckedContinuation<Void, Never>)] = []
        for item in applyWaiters {
            if item.index <= applied { item.waiter.resume() } else { waiting.append(item) }
        }
        applyWaiters = waiting
    }

    /// Founds a new cluster: persists the same first entry every founding server writes, and
    /// restarts the core's raft from it.
    func bootstrap(_ configuration: Configuration) {
        let (hardState, entries) = Raft.bootstrap(configuration)
        do {
            try persistence.persistNow(entries: entries, hardState: hardState)
        } catch {
            fail("bootstrapping the cluster: \(error)")
            return
        }
        core.bootstrapped(configuration)
        refreshStatus()
    }

    // MARK: Snapshots

    /// Writes a snapshot the core asked for on the blocking-I/O pool (apply never waits for it),
    /// compacts the log behind it, and reports back.
    func writeInBackground(_ job: SnapshotJob) {
        guard let snapshots = persistence.snapshots else { return }
        let persistence = self.persistence
        Task {
            let result: Result<[UInt8], any Error>
            do {
                result = .success(try await NIOThreadPool.singleton.runIfActive { try Self.write(job, to: snapshots, compacting: persistence) })
            } catch {
                result = .failure(error)
            }
            self.snapshotWritten(job, frame: result)
        }
    }

    /// Saves a snapshot, then lets the log drop what it covers but the trailing entries.
    static func write(_ job: SnapshotJob, to snapshots: SnapshotFiles, compacting persistence: RaftPersistence) throws -> [UInt8] {
        let metadata = job.metadata
        let frame = try snapshots.save(index: metadata.index, term: metadata.term, configuration: metadata.configuration, state: job.state.encoded())
            .frame
        if job.compactThrough > 0 { try persistence.compact(through: job.compactThrough) }
        return frame
    }

    /// Takes a snapshot now, in the caller's task; for tests and `caravan operator`.
    public func snapshotNow() throws {
        guard let snapshots = persistence.snapshots else { return }
        let job = core.snapshotJob()
        let frame = try Self.write(job, to: snapshots, compacting: persistence)
        snapshotWritten(job, frame: .success(frame))
    }

    /// Hands a written snapshot (or the failure to write it) back to the core; the journal drops
    /// the events of entries the log no longer holds.
    func snapshotWritten(_ job: SnapshotJob, frame: Result<[UInt8], any Error>) {
        if case .success = frame, job.compactThrough > 0 { events.trim(through: job.compactThrough) }
        perform(core.snapshotWritten(job, frame: frame))
    }
}
