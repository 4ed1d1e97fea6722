import CaravanAdmission
import CaravanCore
import CaravanRaft
import CaravanState

/// Writes, membership changes, transfers and leader reads: carried out here on the leader,
/// forwarded to it from a follower, each waiting at most the leader wait.
extension ServerNode {
    /// Commits `command` through the leader and applies it; returns what applying it did here.
    ///
    /// This server proposes `command` as it is if it leads (the caller has checked it); a
    /// follower forwards it with `credentials`, and the leader checks it (``Admission``) before
    /// proposing it.
    ///
    /// A bound met on the way (``ServerLimits``) throws ``SubmitError/overloaded(_:)`` before the
    /// command is proposed or sent.
    public func submit(_ command: Command, credentials: WriteCredentials = .anonymous) async throws(SubmitError) -> AppliedEntry {
        guard !readOnly else { throw .readOnly }
        try reserveApplyWait()
        defer { applyReservations -= 1 }
        let data = command.encoded()
        let deadline = ContinuousClock.now + timing.leaderWait
        while true {
            if let failure { throw .storage(failure) }
            if core.raft.role == .leader {
                guard inboxHasRoom else { throw inboxFull }
                do {
                    let token = newToken()
                    return try await withCheckedThrowingContinuation { continuation in
                        proposalWaiters[token] = continuation
                        enqueue(.propose(data, token: token))
                    }
                } catch let error as SubmitError {
                    if case .noLeader = error { continue }
                    throw error
                } catch {
                    throw .storage(String(describing: error))
                }
            }
            switch try await forwardToLeader(.command(data), credentials: credentials, until: deadline) {
            case .applied(let index):
                try await waitUntilApplied(index, until: ContinuousClock.now + timing.leaderWait)
                return core.appliedResult(at: index) ?? AppliedEntry(index: index, changes: ChangeSet(), result: .success(.none))
            case .failed(let reason):
                throw .storage(reason)
            case .refused(let error):
                throw .refused(error)
            case .leadershipLost:
                throw .leadershipLost
            case .overloaded(let reason):
                throw .overloaded(reason)
            case .notLeader:
                continue
            }
        }
    }

    /// Carries out a membership change or a leadership transfer on the leader; a follower
    /// forwards it with `credentials`, which the leader checks for `operator:write`.
    public func changeMembership(_ operation: ConfigurationChange, credentials: WriteCredentials = .anonymous) async throws(SubmitError) {
        try await runOnLeader(.configuration(operation), credentials: credentials)
    }

    /// Hands leadership to `target`; returns once the transfer has started.
    public func transferLeadership(to target: NodeID, credentials: WriteCredentials = .anonymous) async throws(SubmitError) {
        try await runOnLeader(.transferLeadership(target), credentials: credentials)
    }

    func runOnLeader(_ operation: ForwardedOperation, credentials: WriteCredentials) async throws(SubmitError) {
        guard !readOnly else { throw .readOnly }
        try reserveApplyWait()
        defer { applyReservations -= 1 }
        let deadline = ContinuousClock.now + timing.leaderWait
        while true {
            let result: ForwardResult
            if core.raft.role == .leader {
                guard inboxHasRoom else { throw inboxFull }
                let token = newToken()
                result = await withCheckedContinuation { continuation in
                    operationWaiters[token] = continuation
                    enqueue(.operation(operation, token: token))
                }
            } else {
                result = try await forwardToLeader(operation, credentials: credentials, until: deadline)
            }
            switch result {
            case .applied(let index):
                try await waitUntilApplied(index, until: ContinuousClock.now + timing.leaderWait)
                return
            case .failed(let reason):
                throw .rejected(reason)
            case .refused(let error):
                throw .refused(error)
            case .leadershipLost:
                throw .leadershipLost
            case .overloaded(let reason):
                throw .overloaded(reason)
            case .notLeader:
                guard ContinuousClock.now < deadline else { throw .noLeader }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    /// Waits until this server has applied everything the leader had committed when the call
    /// was made (ReadIndex), so a read after it sees every write acknowledged before it.
    public func readBarrier() async throws(SubmitError) {
        if core.raft.role == .leader || readOnly { return }
        try reserveApplyWait()
        defer { applyReservations -= 1 }
        let deadline = ContinuousClock.now + timing.leaderWait
        while true {
            guard try await waitForLeader(until: deadline) else { throw .noLeader }
            if core.raft.role == .leader { return }
            switch await request(nil, credentials: .anonymous, until: deadline) {
            case .applied(let index):
                try await waitUntilApplied(index, until: ContinuousClock.now + timing.leaderWait)
                return
            case .overloaded(let reason):
                throw .overloaded(reason)
            default:
                guard ContinuousClock.now < deadline else { throw .noLeader }
            }
        }
    }

    /// Sends `operation` to the leader and waits for its answer, until `deadline`.
    func forwardToLeader(_ operation: ForwardedOperation, credentials: WriteCredentials, until deadline: ContinuousClock.Instant)
        async throws(SubmitError) -> ForwardResult
    {
        guard try await waitForLeader(until: deadline) else { throw .noLeader }
        if core.raft.role == .leader { return .notLeader }
        let result = await request(operation, credentials: credentials, until: deadline)
        if case .notLeader = result, ContinuousClock.now >= deadline { throw .noLeader }
        return result
    }

    /// Sends a request to the leader (`nil`: a read index) and waits for the answer or the
    /// deadline (answered as `notLeader`). If another leader takes over meanwhile, a write is
    /// answered `leadershipLost` (the old leader may have committed it) and anything else
    /// `notLeader` (ask the new one). At ``ServerLimits/pendingRequests`` (or, for a read index,
    /// a full inbox) it sends nothing and answers `overloaded`.
    func request(_ operation: ForwardedOperation?, credentials: WriteCredentials, until deadline: ContinuousClock.Instant) async -> ForwardResult {
        guard requestWaiters.count < limits.pendingRequests else {
            return .overloaded(Self.tooMany("requests waiting for the leader's answer", limit: limits.pendingRequests))
        }
        guard operation != nil || inboxHasRoom else { return .overloaded(inboxFull.description) }
        guard let (requestID, input, output) = core.startRequest(operation, credentials: credentials) else { return .notLeader }
        let timeout = Task { [weak self] in
            try? await Task.sleep(until: deadline)
            await self?.giveUp(requestID)
        }
        defer { timeout.cancel() }
        return await withCheckedContinuation { continuation in
            requestWaiters[requestID] = continuation
            perform(output)
            if let input { enqueue(input) }
        }
    }

    private func giveUp(_ requestID: UInt64) {
        core.abandonRequest(requestID)
        requestWaiters.removeValue(forKey: requestID)?.resume(returning: .notLeader)
    }

    /// Waits until a leader is known (``refreshStatus()`` wakes the waiters when one is) or the
    /// deadline passes; false on the deadline.
    func waitForLeader(until deadline: ContinuousClock.Instant) async throws(SubmitError) -> Bool {
        while !core.knowsLeader {
            if let failure { throw .storage(failure) }
            guard ContinuousClock.now < deadline else { return false }
            guard leaderWaiters.count < limits.leaderWaiters else {
                throw .overloaded(Self.tooMany("requests waiting for a cluster leader", limit: limits.leaderWaiters))
            }
            let waiterID = newToken()
            let timeout = Task { [weak self] in
                try? await Task.sleep(until: deadline)
                await self?.wakeLeaderWaiter(waiterID)
            }
            await withCheckedContinuation { leaderWaiters[waiterID] = $0 }
            timeout.cancel()
        }
        return true
    }

    private func wakeLeaderWaiter(_ waiterID: UInt64) {
        leaderWaiters.removeValue(forKey: waiterID)?.resume()
    }

    /// Wakes every task waiting for a leader, to look again.
    func wakeLeaderWaiters() {
        let waiting = leaderWaiters
        leaderWaiters = [:]
        for waiter in waiting.values { waiter.resume() }
    }

    /// Waits until this server has applied `index`, the leader's answer to a request; an index
    /// it does not reach by `deadline` (this server cut off, or an answer that was not the
    /// leader's) answers `No cluster leader` instead of waiting for ever.
    func waitUntilApplied(_ index: UInt64, until deadline: ContinuousClock.Instant) async throws(SubmitError) {
        guard core.machine.state.index < index else { return }
        let waiterID = newToken()
        let timeout = Task { [weak self] in
            try? await Task.sleep(until: deadline)
            await self?.giveUpWaiting(waiterID)
        }
        await withCheckedContinuation { applyWaiters.append((waiterID, index, $0)) }
        timeout.cancel()
        guard core.machine.state.index >= index else { throw .noLeader }
    }

    private func giveUpWaiting(_ waiterID: UInt64) {
        guard let position = applyWaiters.firstIndex(where: { $0.id == waiterID }) else { return }
        applyWaiters.remove(at: position).waiter.resume()
    }

    // MARK: Bounds

    /// Takes one of the ``ServerLimits/applyWaiters`` places for a request that will wait for
    /// this server to apply an index; the caller gives it back when it returns.
    func reserveApplyWait() throws(SubmitError) {
        guard applyReservations < limits.applyWaiters else {
            throw .overloaded(Self.tooMany("writes and reads waiting to be applied on this server", limit: limits.applyWaiters))
        }
        applyReservations += 1
    }

    /// What meeting ``ServerLimits/inbox`` answers.
    var inboxFull: SubmitError {
        .overloaded(Self.tooMany("inputs waiting for the server's processing loop", limit: limits.inbox))
    }

    /// The text of a 429: which bound was met, and its limit.
    nonisolated static func tooMany(_ what: String, limit: Int) -> String {
        "too many \(what) (limit \(limit))"
    }
}
