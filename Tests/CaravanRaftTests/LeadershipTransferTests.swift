import Testing

@testable import CaravanRaft

/// Leadership transfer (thesis §3.10): the leader brings the target up to date, then sends it
/// TimeoutNow so it campaigns at once, past PreVote and the others' leader leases.
struct LeadershipTransferTests {
    @Test("TimeoutNow hands leadership to a caught-up follower")
    func transferToCaughtUpFollower() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        let term = network[1].term
        try network.withNode(1) { (raft: inout Raft) throws(ProposalError) in try raft.transferLeadership(to: 2) }
        network.processReady(1)
        #expect(network.messages(from: 1, to: 2).map(\.kind) == [.timeoutNow])
        network.stabilize()
        #expect(network[2].role == .leader)
        #expect(network[2].term == term + 1)
        #expect(network[1].role == .follower)
        #expect(network[1].leader == 2)
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("a lagging target is caught up first, then sent TimeoutNow")
    func transferToLaggingFollower() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        network.partition = [[1, 3], [2]]
        for command in ["a", "b"] { try network.propose(1, command) }
        network.stabilize()
        network.partition = []
        try network.withNode(1) { (raft: inout Raft) throws(ProposalError) in try raft.transferLeadership(to: 2) }
        network.processReady(1)
        #expect(network.messages(from: 1, to: 2).map(\.kind) == [.append])
        network.stabilize()
        #expect(network[2].role == .leader)
        #expect(network.nodes[2]!.appliedCommands == ["a", "b"])
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("proposals are refused while a transfer is under way")
    func proposalsRefusedDuringTransfer() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        network.partition = [[1, 3], [2]]
        try network.withNode(1) { (raft: inout Raft) throws(ProposalError) in try raft.transferLeadership(to: 2) }
        #expect(throws: ProposalError.transferring) { try network.propose(1, "x") }
        #expect(throws: ProposalError.transferring) { try network.change(1, .remove(3)) }
    }

    @Test("a transfer that does not finish within an election timeout is abandoned")
    func transferTimesOut() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        network.partition = [[1, 3], [2]]
        try network.withNode(1) { (raft: inout Raft) throws(ProposalError) in try raft.transferLeadership(to: 2) }
        for _ in 0..<10 {
            network.tick(1)
            network.stabilize()
        }
        #expect(network[1].role == .leader)
        #expect(network[1].transferee == 0)
        try network.propose(1, "x")
    }

    @Test("the transfer target's vote request passes the others' leader leases")
    func transferOverridesLease() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        try network.withNode(1) { (raft: inout Raft) throws(ProposalError) in try raft.transferLeadership(to: 2) }
        network.processReady(1)
        network.deliver(to: 2)
        network.processReady(2)
        let request = network.messages(from: 2, to: 3).first
        #expect(request?.kind == .vote, "no PreVote round")
        #expect(request?.context == 1)
        network.deliver(to: 3)
        #expect(network[3].vote == 2)
    }

    @Test("only a voter can receive leadership")
    func targetMustBeVoter() {
        var network = RaftNetwork(voters: [1, 2], nonvoters: [3])
        network.elect(1)
        #expect(throws: ProposalError.self) {
            try network.withNode(1) { (raft: inout Raft) throws(ProposalError) in try raft.transferLeadership(to: 3) }
        }
        #expect(throws: ProposalError.self) {
            try network.withNode(1) { (raft: inout Raft) throws(ProposalError) in try raft.transferLeadership(to: 9) }
        }
    }

    @Test("a follower refuses to start a transfer")
    func followerCannotTransfer() {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        #expect(throws: ProposalError.notLeader(leader: 1)) {
            try network.withNode(2) { (raft: inout Raft) throws(ProposalError) in try raft.transferLeadership(to: 3) }
        }
    }
}
