extension Raft {
    /// Proposes a single-server membership change; it takes effect when committed. Refused
    /// unless this leader has committed an entry of its own term (the 2015 errata to the
    /// single-server algorithm) and no other change is still uncommitted.
    public mutating func proposeConfigurationChange(_ change: ConfigurationChange) throws(ProposalError) -> UInt64 {
        guard role == .leader else { throw .notLeader(leader: leader) }
        guard transferee == 0 else { throw .transferring }
        guard log.term(at: log.committed) == term else {
            throw .configuration("the leader has not yet committed an entry of its term")
        }
        guard pendingConfigurationIndex <= log.committed else {
            throw .configuration("a configuration change is still uncommitted")
        }
        switch change {
        case .addNonvoter(let server):
            guard server.id != 0 else { throw .configuration("server ID 0 is reserved") }
            guard !configuration.contains(server.id) else { throw .configuration("server \(server.name) is already a member") }
        case .promote(let peer):
            guard let server = configuration.server(peer) else { throw .configuration("server \(peer) is not a member") }
            guard !server.isVoter else { throw .configuration("server \(server.name) is already a voter") }
            // A voter that does not hold the log would count towards quorums it cannot serve: a
            // server that was added but never came up must not be able to take a vote away.
            guard let follower = progress[peer], follower.state == .replicate, follower.match >= log.committed else {
                throw .configuration("server \(server.name) has not caught up with the log")
            }
        case .remove(let peer):
            guard configuration.contains(peer) else { throw .configuration("server \(peer) is not a member") }
            guard configuration.voters != [peer] else { throw .configuration("cannot remove the last voter") }
        }
        let index = log.lastIndex + 1
        appendEntries([LogEntry(index: 0, term: 0, kind: .configuration, data: configuration.applying(change).encoded())])
        pendingConfigurationIndex = index
        return index
    }

    /// Hands leadership to `target` once its log has caught up (TimeoutNow, thesis §3.10).
    /// Proposals are refused until the transfer completes or an election timeout passes.
    public mutating func transferLeadership(to target: NodeID) throws(ProposalError) {
        guard role == .leader else { throw .notLeader(leader: leader) }
        guard target != id else { return }
        guard configuration.isVoter(target), progress[target] != nil else {
            throw .configuration("server \(target) is not a voter")
        }
        transferee = target
        electionElapsed = 0
        if progress[target]!.match == log.lastIndex {
            send(Message(kind: .timeoutNow, from: id, to: target, term: term))
        } else {
            sendAppend(to: target)
        }
    }

    /// Lets configuration entries that have just committed take effect.
    mutating func applyCommittedConfigurations() {
        while configurationApplied < log.committed {
            configurationApplied += 1
            guard let entry = log.entry(at: configurationApplied), entry.kind == .configuration,
                let next = try? Configuration(decoding: entry.data)
            else { continue }
            changeConfiguration(to: next)
        }
    }

    private mutating func changeConfiguration(to next: Configuration) {
        configuration = next
        guard role == .leader else { return }
        for server in next.servers where server.id != id && progress[server.id] == nil {
            var follower = Progress(next: log.lastIndex + 1, inflights: newInflights())
            follower.recentActive = true
            progress[server.id] = follower
            needsBroadcast = true
        }
        for peer in progress.keys where !next.contains(peer) { progress[peer] = nil }
        if transferee != 0, !next.isVoter(transferee) { transferee = 0 }
        handOverIfRemoved()
        if maybeCommit() { needsBroadcast = true }
    }

    /// A leader that is no longer a voter hands leadership to the voter with the most of its
    /// log. Stepping down at once would strand the others: they learn that the change committed
    /// only from this leader, and until then their configuration still counts this server, whose
    /// vote a log longer than theirs withholds. It keeps replicating, refusing proposals, until
    /// the new leader's vote request deposes it; a transfer that stalls is retried.
    mutating func handOverIfRemoved() {
        guard role == .leader, !configuration.isVoter(id), transferee == 0 else { return }
        let voters = configuration.voters.filter { progress[$0] != nil }
        guard let target = voters.max(by: { progress[$0]!.match < progress[$1]!.match }) else { return }
        try? transferLeadership(to: target)
    }

    /// Promotes one non-voter whose log has caught up with the commit index.
    mutating func promoteCaughtUpNonvoter() {
        guard options.promoteCaughtUpNonvoters, transferee == 0, pendingConfigurationIndex <= log.committed,
            log.term(at: log.committed) == term
        else { return }
        for server in configuration.servers where !server.isVoter {
            guard let follower = progress[server.id], follower.state == .replicate, follower.match >= log.committed else { continue }
            _ = try? proposeConfigurationChange(.promote(server.id))
            return
        }
    }
}
