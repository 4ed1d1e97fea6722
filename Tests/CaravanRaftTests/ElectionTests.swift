import Testing

@testable import CaravanRaft

/// Elections beyond the paper's basics: PreVote (thesis §9.6), CheckQuorum and leader leases
/// (thesis §6.2, §4.2.3), split votes and liveness.
struct ElectionTests {
    @Test("a three-server cluster elects exactly one leader, which commits a no-op of its term")
    func electsOneLeader() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.tickAll(25)
        #expect(network.leaders.count == 1)
        let leader = try #require(network.leaders.first)
        #expect(network[leader].entry(at: 2)?.kind == .noop)
        #expect(network[leader].entry(at: 2)?.term == network[leader].term)
        for id in network.ids {
            #expect(network[id].commitIndex == 2)
            #expect(network[id].leader == leader)
        }
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("a single-server cluster elects itself at once")
    func singleServer() {
        var network = RaftNetwork(voters: [1])
        network.elect(1)
        #expect(network[1].role == .leader)
        #expect(network[1].commitIndex == 2)
    }

    @Test("a server elects itself only with a quorum: two of three down means no leader")
    func noQuorumNoLeader() {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.partition = [[1], [2], [3]]
        network.tickAll(60)
        #expect(network.leaders.isEmpty)
        #expect(network.ids.allSatisfy { network[$0].term == 1 }, "with PreVote nobody raises its term")
    }

    @Test("a cluster recovers from the leader's failure and elects another")
    func reelection() throws {
        var network = RaftNetwork(voters: [1, 2, 3, 4, 5])
        network.elect(1)
        try network.propose(1, "a")
        network.stabilize()
        network.partition = [[1], [2, 3, 4, 5]]
        network.tickAll(30)
        let leaders = network.leaders.filter { $0 != 1 }
        #expect(leaders.count == 1)
        if let leader = leaders.first {
            #expect(network[leader].term > network[1].term)
            try network.propose(leader, "b")
            network.stabilize()
            #expect(network.nodes[2]!.appliedCommands == ["a", "b"])
        }
        network.partition = []
        network.tickAll(5)
        #expect(network[1].role == .follower)
        #expect(network.nodes[1]!.appliedCommands == ["a", "b"])
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("dueling candidates: a split vote resolves in a later term")
    func duelingCandidates() throws {
        var network = RaftNetwork(voters: [1, 2, 3]) { $0.preVote = false }
        network.partition = [[1, 3], [2]]
        network.elect(1)
        #expect(network[1].role == .leader)
        network.campaign(2)
        network.stabilize()
        #expect(network[2].role == .candidate)
        network.partition = []
        network.tickAll(40)
        let leader = try #require(network.leaders.first)
        #expect(network.leaders.count == 1)
        #expect(network.ids.allSatisfy { network[$0].term == network[leader].term })
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("a candidate with an out-of-date log cannot win, even with the highest term")
    func staleCandidateLoses() throws {
        var network = RaftNetwork(voters: [1, 2, 3]) { $0.preVote = false }
        network.elect(1)
        network.partition = [[1, 2], [3]]
        try network.propose(1, "a")
        network.stabilize()
        for _ in 0..<3 { network.campaign(3) }
        network.stabilize()
        network.partition = []
        network.campaign(3)
        network.stabilize()
        #expect(network[3].role != .leader)
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    // MARK: PreVote

    @Test("PreVote does not raise the term of a partitioned server")
    func preVoteKeepsTerm() {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        let term = network[1].term
        network.partition = [[3], [1, 2]]
        network.tickAll(100)
        #expect(network[3].term == term)
        #expect(network[3].role == .preCandidate)
        network.partition = []
        network.tickAll(3)
        #expect(network[1].role == .leader, "the returning server does not depose the leader")
        #expect(network[1].term == term)
        #expect(network[3].role == .follower)
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("without PreVote or CheckQuorum, a returning partitioned server deposes the leader with its higher term")
    func withoutPreVoteTermsRise() {
        var network = RaftNetwork(voters: [1, 2, 3]) {
            $0.preVote = false
            $0.checkQuorum = false
        }
        network.elect(1)
        let stale = network[1].term
        network.partition = [[3], [1, 2]]
        network.tickAll(50)
        let raised = network[3].term
        #expect(raised > stale)
        network.partition = []
        network.tickAll(1)
        #expect(network[1].term >= raised, "the leader learns the higher term from 3's answer and steps down")
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("a pre-vote is granted for a higher term without changing the voter's term or vote")
    func preVoteLeavesVoterAlone() {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], terms: [1], term: 1) { $0.preVote = true }
        raft.step(Message(kind: .preVote, from: 2, to: 1, term: 2, logTerm: 1, index: 1))
        let reply = raft.drain().first
        #expect(reply?.kind == .preVoteResponse && reply?.reject == false && reply?.term == 2)
        #expect(raft.term == 1)
        #expect(raft.vote == 0)
    }

    @Test("a pre-vote is refused to a server with a less up-to-date log")
    func preVoteNeedsUpToDateLog() {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], terms: [1, 2], term: 2) { $0.preVote = true }
        raft.step(Message(kind: .preVote, from: 2, to: 1, term: 3, logTerm: 1, index: 5))
        let reply = raft.drain().first
        #expect(reply?.kind == .preVoteResponse && reply?.reject == true)
        #expect(raft.term == 2)
    }

    @Test("a pre-candidate that wins the pre-vote runs a real election at term + 1")
    func preVoteThenVote() {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], terms: [1], term: 1) { $0.preVote = true }
        raft.campaign()
        #expect(raft.role == .preCandidate)
        #expect(raft.term == 1)
        #expect(raft.drain().map(\.kind) == [.preVote, .preVote])
        raft.step(Message(kind: .preVoteResponse, from: 2, to: 1, term: 2))
        #expect(raft.role == .candidate)
        #expect(raft.term == 2)
        #expect(raft.drain().map(\.kind) == [.vote, .vote])
    }

    @Test("a pre-candidate that a majority refuses goes back to following")
    func preVoteLost() {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], terms: [1], term: 1) { $0.preVote = true }
        raft.campaign()
        raft.step(Message(kind: .preVoteResponse, from: 2, to: 1, term: 1, reject: true))
        raft.step(Message(kind: .preVoteResponse, from: 3, to: 1, term: 1, reject: true))
        #expect(raft.role == .follower)
        #expect(raft.term == 1)
    }

    // MARK: CheckQuorum

    @Test("CheckQuorum makes a leader without a quorum step down")
    func checkQuorumStepsDown() {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        network.partition = [[1], [2, 3]]
        for _ in 0..<10 {
            network.tick(1)
            network.stabilize()
        }
        #expect(network[1].role == .leader, "a quorum answered within the last election timeout")
        for _ in 0..<10 {
            network.tick(1)
            network.stabilize()
        }
        #expect(network[1].role == .follower)
        #expect(network[1].leader == 0)
    }

    @Test("without CheckQuorum a partitioned leader stays leader")
    func noCheckQuorum() {
        var network = RaftNetwork(voters: [1, 2, 3]) { $0.checkQuorum = false }
        network.elect(1)
        network.partition = [[1], [2, 3]]
        network.tick(1, times: 50)
        #expect(network[1].role == .leader)
    }

    @Test("a follower that heard from its leader within an election timeout ignores vote requests (leader lease)")
    func leaseIgnoresVotes() {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        let term = network[1].term
        network.withNode(2) { $0.step(Message(kind: .vote, from: 3, to: 2, term: term + 1, logTerm: term, index: 2)) }
        #expect(network[2].term == term)
        #expect(network[2].leader == 1)
        #expect(network[2].hasReady == false, "not even a rejection is sent")
    }

    @Test("a follower whose lease has run out votes again")
    func leaseExpires() {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        let term = network[1].term
        network.tick(2, times: 10)
        network.withNode(2) { $0.step(Message(kind: .vote, from: 3, to: 2, term: term + 1, logTerm: term, index: 2)) }
        #expect(network[2].term == term + 1)
        #expect(network[2].vote == 3)
    }

    @Test("a non-voter never campaigns")
    func nonvoterDoesNotCampaign() {
        var network = RaftNetwork(voters: [1], nonvoters: [2])
        network.elect(1)
        network.partition = [[1], [2]]
        network.tick(2, times: 100)
        #expect(network[2].role == .follower)
        network.campaign(2)
        #expect(network[2].role == .follower)
    }
}
