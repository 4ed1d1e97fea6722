import Testing

@testable import CaravanRaft

/// Single-server membership changes (thesis ch. 4): servers join as non-voters and are promoted
/// once caught up; one change at a time, only after the leader has committed an entry of its
/// term; a change takes effect when committed.
struct MembershipTests {
    private func voters(_ network: RaftNetwork, _ id: NodeID) -> [NodeID] { network[id].configuration.voters }

    @Test("a non-voter receives the log but does not count towards a commit")
    func nonvoterDoesNotCount() throws {
        var network = RaftNetwork(voters: [1, 2], nonvoters: [3]) { $0.promoteCaughtUpNonvoters = false }
        network.elect(1)
        network.partition = [[1, 3], [2]]
        try network.propose(1, "a")
        network.stabilize()
        #expect(network[3].lastIndex == 3)
        #expect(network[1].commitIndex == 2)
        network.partition = []
        network.tickAll(2)
        #expect(network[1].commitIndex == 3)
        #expect(network.nodes[3]!.appliedCommands == ["a"])
    }

    @Test("a leader refuses a configuration change before committing an entry of its term")
    func refuseBeforeOwnTermCommit() {
        var network = RaftNetwork(voters: [1, 2, 3], empty: [4])
        network.campaign(1)
        for _ in 0..<6 {
            for id in network.ids { network.processReady(id) }
            for id in network.ids { network.deliver(to: id) }
            if network[1].role == .leader { break }
        }
        #expect(network[1].role == .leader)
        #expect(network[1].commitIndex == 1)
        #expect(throws: ProposalError.self) { try network.change(1, .addNonvoter(RaftNetwork.server(4))) }
        network.stabilize()
        #expect(throws: Never.self) { try network.change(1, .addNonvoter(RaftNetwork.server(4))) }
    }

    @Test("a leader refuses to promote a non-voter that does not replicate its log, and promotes it once it does")
    func promoteOnlyAReplicatingServer() throws {
        var network = RaftNetwork(voters: [1, 2, 3], empty: [4]) { $0.promoteCaughtUpNonvoters = false }
        network.elect(1)
        network.partition = [[1, 2, 3], [4]]
        try network.change(1, .addNonvoter(RaftNetwork.server(4)))
        network.stabilize()
        #expect(network[1].configuration.contains(4))
        #expect(throws: ProposalError.configuration("server n4 has not caught up with the log")) { try network.change(1, .promote(4)) }
        network.partition = []
        network.tickAll(2)
        network.stabilize()
        try network.change(1, .promote(4))
        network.stabilize()
        #expect(voters(network, 1) == [1, 2, 3, 4])
    }

    @Test("one configuration change at a time")
    func oneChangeAtATime() throws {
        var network = RaftNetwork(voters: [1, 2, 3], empty: [4, 5])
        network.elect(1)
        try network.change(1, .addNonvoter(RaftNetwork.server(4)))
        #expect(throws: ProposalError.configuration("a configuration change is still uncommitted")) {
            try network.change(1, .addNonvoter(RaftNetwork.server(5)))
        }
        network.stabilize()
        try network.change(1, .addNonvoter(RaftNetwork.server(5)))
    }

    @Test("a configuration change takes effect when committed, not when appended")
    func effectiveOnCommit() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        try network.change(1, .remove(3))
        #expect(voters(network, 1) == [1, 2, 3])
        network.processReady(1)
        network.deliver(to: 2)
        network.processReady(2)
        #expect(voters(network, 2) == [1, 2, 3], "2 appended the change but does not know it committed")
        network.deliver(to: 1)
        #expect(voters(network, 1) == [1, 2], "1 counted 2's acknowledgement: committed")
        network.stabilize()
        #expect(voters(network, 2) == [1, 2])
    }

    @Test("a non-voter is promoted once caught up")
    func promoteCaughtUp() throws {
        var network = RaftNetwork(voters: [1, 2, 3], empty: [4])
        network.elect(1)
        for command in ["a", "b", "c"] { try network.propose(1, command) }
        network.stabilize()
        try network.change(1, .addNonvoter(RaftNetwork.server(4)))
        network.stabilize()
        #expect(network[1].configuration.server(4)?.isVoter == false)
        #expect(network.nodes[4]!.appliedCommands == ["a", "b", "c"])
        network.tickAll(1)
        for id in network.ids { #expect(voters(network, id) == [1, 2, 3, 4], "as seen by \(id)") }
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("a non-voter is not promoted while it lags behind")
    func noPromotionWhileLagging() throws {
        var network = RaftNetwork(voters: [1, 2, 3], empty: [4])
        network.elect(1)
        network.partition = [[1, 2, 3], [4]]
        try network.change(1, .addNonvoter(RaftNetwork.server(4)))
        network.tickAll(5)
        #expect(network[1].configuration.server(4)?.isVoter == false)
        network.partition = []
        network.tickAll(3)
        #expect(network[1].configuration.server(4)?.isVoter == true)
    }

    @Test("with automatic promotion off, a non-voter stays one until promoted")
    func manualPromotion() throws {
        var network = RaftNetwork(voters: [1, 2, 3], empty: [4]) { $0.promoteCaughtUpNonvoters = false }
        network.elect(1)
        try network.change(1, .addNonvoter(RaftNetwork.server(4)))
        network.tickAll(5)
        #expect(network[1].configuration.server(4)?.isVoter == false)
        try network.change(1, .promote(4))
        network.stabilize()
        #expect(network[1].configuration.isVoter(4))
    }

    @Test("a new server joins from a snapshot when the log it needs is compacted")
    func joinFromSnapshot() throws {
        var network = RaftNetwork(voters: [1, 2, 3], empty: [4])
        network.elect(1)
        for command in ["a", "b"] { try network.propose(1, command) }
        network.stabilize()
        network.compact(1, index: 4)
        try network.change(1, .addNonvoter(RaftNetwork.server(4)))
        network.tickAll(3)
        #expect(network.nodes[4]!.snapshot?.metadata.index == 4)
        #expect(network.nodes[4]!.appliedCommands == ["a", "b"])
        #expect(network[4].configuration.contains(4))
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("a removed leader steps down, handing leadership to a voter of the new configuration")
    func removedLeaderStepsDown() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        try network.change(1, .remove(1))
        network.stabilize()
        #expect(network[1].role == .follower)
        #expect(!network[1].configuration.contains(1))
        let leaders = network.leaders
        #expect(leaders.count == 1)
        #expect(leaders.allSatisfy { $0 != 1 })
        for id: NodeID in [2, 3] { #expect(voters(network, id) == [2, 3]) }
        network.tickAll(40)
        #expect(network.leaders == leaders, "the removed server does not disrupt the new leader")
        if let leader = leaders.first {
            try network.propose(leader, "after")
            network.stabilize()
            #expect(network.nodes[2]!.appliedCommands == ["after"])
        }
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("a leader that removes itself hands over, so the rest never need the vote of a server with a longer log")
    func removedLeaderHandsOver() throws {
        var network = RaftNetwork(voters: [1, 2])
        network.elect(1)
        try network.change(1, .remove(1))
        network.processReady(1)
        network.deliver(to: 2)
        network.processReady(2)
        // 2 holds the change but will not hear that it committed, nor get the entry after it.
        try network.propose(1, "late")
        network.dropFilter = { $0.to == 2 }
        network.deliver(to: 1)
        #expect(network[1].commitIndex == 3)
        network.stabilize()
        network.dropFilter = nil
        network.tickAll(60)
        #expect(network.leaders == [2])
        #expect(voters(network, 2) == [2])
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("a removed follower gets no more entries and cannot disrupt the cluster")
    func removedFollower() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        try network.change(1, .remove(3))
        network.stabilize()
        let term = network[1].term
        try network.propose(1, "a")
        network.stabilize()
        #expect(network.nodes[3]!.appliedCommands.isEmpty)
        network.tickAll(60)
        #expect(network[1].role == .leader)
        #expect(network[1].term == term)
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("after a removal the quorum is a majority of the remaining voters")
    func quorumShrinks() throws {
        var network = RaftNetwork(voters: [1, 2, 3, 4])
        network.elect(1)
        try network.change(1, .remove(4))
        network.stabilize()
        network.partition = [[1, 2], [3, 4]]
        try network.propose(1, "a")
        network.stabilize()
        #expect(network.nodes[1]!.appliedCommands == ["a"])
    }

    @Test("invalid changes are refused: existing member, voter promotion, unknown server, the last voter, ID 0")
    func invalidChanges() {
        var network = RaftNetwork(voters: [1, 2])
        network.elect(1)
        for change: ConfigurationChange in [
            .addNonvoter(RaftNetwork.server(2)), .promote(2), .promote(9), .remove(9), .addNonvoter(RaftNetwork.server(0)),
        ] {
            #expect(throws: ProposalError.self, "\(change)") { try network.change(1, change) }
        }
        var single = RaftNetwork(voters: [1])
        single.elect(1)
        #expect(throws: ProposalError.self) { try single.change(1, .remove(1)) }
    }
}
