import Testing

@testable import CaravanRaft

/// Linearizable reads with ReadIndex (thesis §6.4): the leader records its commit index, confirms
/// it still leads with a round of heartbeats answered by a quorum, and only then answers.
struct ReadIndexTests {
    private func read(_ network: inout RaftNetwork, _ id: NodeID, _ context: UInt64) throws {
        try network.withNode(id) { (raft: inout Raft) throws(ProposalError) in try raft.requestRead(context) }
    }

    @Test("ReadIndex answers only after a quorum heartbeat round")
    func answersAfterQuorumRound() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        try network.propose(1, "a")
        network.stabilize()
        try read(&network, 1, 7)
        network.processReady(1)
        #expect(network.nodes[1]!.readStates.isEmpty)
        #expect(network.messages(from: 1, kind: .heartbeat).allSatisfy { $0.context != 0 })
        network.deliver(to: 2)
        network.processReady(2)
        network.deliver(to: 1)
        network.processReady(1)
        #expect(network.nodes[1]!.readStates == [ReadState(requestID: 7, index: 3)])
    }

    @Test("a leader cut off from the quorum never answers a read")
    func partitionedLeaderDoesNotAnswer() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        network.partition = [[1], [2, 3]]
        try read(&network, 1, 7)
        for _ in 0..<5 {
            network.tick(1)
            network.stabilize()
        }
        #expect(network.nodes[1]!.readStates.isEmpty)
    }

    @Test("a new leader answers reads only after committing an entry of its term")
    func waitsForOwnTermCommit() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.campaign(1)
        for _ in 0..<6 where network[1].role != .leader {
            for id in network.ids { network.processReady(id) }
            for id in network.ids { network.deliver(to: id) }
        }
        #expect(network[1].role == .leader)
        #expect(network[1].commitIndex == 1)
        try read(&network, 1, 9)
        network.processReady(1)
        #expect(network.nodes[1]!.readStates.isEmpty)
        network.stabilize()
        #expect(network.nodes[1]!.readStates == [ReadState(requestID: 9, index: 2)])
    }

    @Test("a follower's read is forwarded to the leader and answered with the leader's commit index")
    func followerRead() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        try network.propose(1, "a")
        network.stabilize()
        try read(&network, 2, 5)
        network.stabilize()
        #expect(network.nodes[2]!.readStates == [ReadState(requestID: 5, index: 3)])
        #expect(network.nodes[1]!.readStates.isEmpty)
    }

    @Test("a single-voter leader answers at once")
    func singleVoter() throws {
        var network = RaftNetwork(voters: [1])
        network.elect(1)
        try read(&network, 1, 1)
        network.processReady(1)
        #expect(network.nodes[1]!.readStates == [ReadState(requestID: 1, index: 2)])
    }

    @Test("a server that knows no leader refuses a read")
    func noLeader() {
        var network = RaftNetwork(voters: [1, 2, 3])
        #expect(throws: ProposalError.notLeader(leader: 0)) { try read(&network, 2, 1) }
    }

    @Test("several reads in one round are all answered, in order")
    func batchedReads() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        try read(&network, 1, 1)
        try network.propose(1, "a")
        try read(&network, 1, 2)
        network.stabilize()
        #expect(network.nodes[1]!.readStates.map(\.requestID) == [1, 2])
        #expect(network.nodes[1]!.readStates.map(\.index) == [2, 2])
    }

    @Test("only voters' heartbeat answers confirm a read")
    func nonvotersDoNotConfirm() throws {
        var network = RaftNetwork(voters: [1, 2, 3], nonvoters: [4, 5])
        network.elect(1)
        network.partition = [[1, 4, 5], [2, 3]]
        try read(&network, 1, 3)
        for _ in 0..<3 {
            network.tick(1)
            network.stabilize()
        }
        #expect(network.nodes[1]!.readStates.isEmpty)
    }
}
