extension Raft {
    enum Campaign {
        /// PreVote round (no term change).
        case preElection
        case election
        /// A leadership transfer: skip PreVote and override followers' leader leases.
        case transfer
    }

    /// Whether this server may stand for election: it is a voter.
    var isPromotable: Bool { configuration.isVoter(id) }

    /// Advances the logical clock by one tick.
    public mutating func tick() {
        if role == .leader {
            tickLeader()
        } else {
            electionElapsed += 1
            if isPromotable, electionElapsed >= randomizedElectionTimeout {
                electionElapsed = 0
                campaign(options.preVote ? .preElection : .election)
            }
        }
    }

    /// Starts an election now (as a timeout would); for tests and operators.
    public mutating func campaign() {
        guard role != .leader, isPromotable else { return }
        campaign(options.preVote ? .preElection : .election)
    }

    private mutating func tickLeader() {
        heartbeatElapsed += 1
        electionElapsed += 1
        if electionElapsed >= options.electionTicks {
            electionElapsed = 0
            if options.checkQuorum, !quorumActive() {
                becomeFollower(term: term, leader: 0)
                return
            }
            transferee = 0
            handOverIfRemoved()
        }
        if heartbeatElapsed >= options.heartbeatTicks {
            heartbeatElapsed = 0
            broadcastHeartbeat()
        }
        promoteCaughtUpNonvoter()
    }

    /// CheckQuorum: whether a quorum of voters (this leader included) was heard from since the
    /// last check; clears the marks for the next round.
    private mutating func quorumActive() -> Bool {
        var active = configuration.isVoter(id) ? 1 : 0
        for peer in progress.keys {
            if progress[peer]!.recentActive, configuration.isVoter(peer) { active += 1 }
            progress[peer]!.recentActive = false
        }
        return active >= configuration.quorum
    }

    mutating func campaign(_ kind: Campaign) {
        let voteTerm: UInt64
        let messageKind: MessageKind
        if kind == .preElection {
            becomePreCandidate()
            voteTerm = term + 1
            messageKind = .preVote
        } else {
            becomeCandidate()
            voteTerm = term
            messageKind = .vote
        }
        if poll(id, granted: true) == .won {
            if kind == .preElection { campaign(.election) } else { becomeLeader() }
            return
        }
        for voter in configuration.voters where voter != id {
            send(
                Message(
                    kind: messageKind, from: id, to: voter, term: voteTerm, logTerm: log.lastTerm, index: log.lastIndex,
                    context: kind == .transfer ? 1 : 0))
        }
    }

    enum Tally { case won, lost, pending }

    mutating func poll(_ voter: NodeID, granted: Bool) -> Tally {
        if votes[voter] == nil { votes[voter] = granted }
        let voters = configuration.voters
        let yes = voters.filter { votes[$0] == true }.count
        let no = voters.filter { votes[$0] == false }.count
        if yes >= configuration.quorum { return .won }
        if no > voters.count - configuration.quorum { return .lost }
        return .pending
    }

    mutating func becomeFollower(term: UInt64, leader: NodeID) {
        reset(term: term)
        role = .follower
        self.leader = leader
    }

    private mutating func becomePreCandidate() {
        precondition(role != .leader, "a leader cannot become a pre-candidate")
        role = .preCandidate
        votes = [:]
        leader = 0
    }

    private mutating func becomeCandidate() {
        precondition(role != .leader, "a leader cannot become a candidate")
        reset(term: term + 1)
        vote = id
        role = .candidate
    }

    mutating func becomeLeader() {
        precondition(role == .candidate, "only a candidate becomes leader")
        reset(term: term)
        role = .leader
        leader = id
        for server in configuration.servers where server.id != id {
            var follower = Progress(next: log.lastIndex + 1, inflights: newInflights())
            follower.recentActive = true
            progress[server.id] = follower
        }
        pendingConfigurationIndex = log.lastIndex
        appendEntries([LogEntry(index: 0, term: 0, kind: .noop, data: [])])
    }

    func newInflights() -> Inflights {
        Inflights(maxCount: options.maxInflightMessages, maxBytes: options.maxInflightBytes)
    }

    private mutating func reset(term: UInt64) {
        if self.term != term {
            self.term = term
            vote = 0
        }
        leader = 0
        electionElapsed = 0
        heartbeatElapsed = 0
        resetRandomizedElectionTimeout()
        transferee = 0
        votes = [:]
        progress = [:]
        pendingConfigurationIndex = 0
        needsBroadcast = false
        reads.reset()
        readsAwaitingCommit = []
    }

    mutating func resetRandomizedElectionTimeout() {
        randomizedElectionTimeout = options.electionTicks + random.next(below: options.electionTicks)
    }

    /// Answers a vote or pre-vote request whose term is not stale.
    mutating func handleVoteRequest(_ message: Message) {
        let responseKind: MessageKind = message.kind == .vote ? .voteResponse : .preVoteResponse
        let canVote =
            vote == message.from || (vote == 0 && leader == 0) || (message.kind == .preVote && message.term > term)
        if canVote, log.isUpToDate(index: message.index, term: message.logTerm) || options.has(.voteForStaleLog) {
            send(Message(kind: responseKind, from: id, to: message.from, term: message.term))
            if message.kind == .vote {
                electionElapsed = 0
                vote = message.from
            }
        } else {
            send(Message(kind: responseKind, from: id, to: message.from, term: term, reject: true))
        }
    }

    mutating func handleVoteResponse(_ message: Message) {
        guard (role == .preCandidate && message.kind == .preVoteResponse) || (role == .candidate && message.kind == .voteResponse)
        else { return }
        switch poll(message.from, granted: !message.reject) {
        case .won:
            if role == .preCandidate { campaign(.election) } else { becomeLeader() }
        case .lost:
            becomeFollower(term: term, leader: 0)
        case .pending:
            break
        }
    }
}
