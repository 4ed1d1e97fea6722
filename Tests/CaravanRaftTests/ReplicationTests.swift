import Testing

@testable import CaravanRaft

/// Log replication as implemented beyond the paper: fast back-off over conflicting logs, the
/// probe/replicate pipeline with its in-flight window, and the Ready contract.
struct ReplicationTests {
    @Test("proposals are replicated, committed and applied in the same order on every server")
    func replicatesInOrder() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        for command in ["a", "b", "c"] { try network.propose(1, command) }
        try network.propose(1, "d", "e")
        network.stabilize()
        for id in network.ids {
            #expect(network.nodes[id]!.appliedCommands == ["a", "b", "c", "d", "e"])
            #expect(network[id].commitIndex == 7)
        }
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("only the leader takes proposals; a follower names the leader it knows")
    func followerRefusesProposals() {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        #expect(throws: ProposalError.notLeader(leader: 1)) { try network.propose(2, "x") }
    }

    @Test("a follower that missed entries catches up once it is reachable again")
    func laggingFollowerCatchesUp() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        network.partition = [[1, 2], [3]]
        for command in ["a", "b", "c"] { try network.propose(1, command) }
        network.stabilize()
        #expect(network[3].lastIndex == 2)
        network.partition = []
        network.tickAll(2)
        #expect(network.nodes[3]!.appliedCommands == ["a", "b", "c"])
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("log matching: a follower with a long conflicting tail is truncated and brought in line")
    func conflictTruncation() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        // 1 appends entries only it holds, then loses leadership to 2, which commits others.
        network.partition = [[1], [2, 3]]
        for command in ["x1", "x2", "x3", "x4"] { try network.propose(1, command) }
        network.stabilize()
        network.tickAll(30)
        let leader = try #require(network.leaders.first { $0 != 1 })
        for command in ["a", "b"] { try network.propose(leader, command) }
        network.stabilize()
        network.partition = []
        network.tickAll(3)
        #expect(network[1].role == .follower)
        #expect(network[1].entries() == network[leader].entries())
        #expect(network.nodes[1]!.appliedCommands == ["a", "b"])
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("the fast back-off hint lets the leader skip a whole conflicting term in one round trip")
    func fastBackOff() {
        // The follower holds 5 entries of term 2 after index 1; the leader's log is term 3 there.
        var leader = Raft.fixture(id: 1, voters: [1, 2, 3], terms: [1, 3, 3, 3, 3, 3, 3], term: 3)
        leader.becomeLeaderForTest()
        _ = leader.drain()
        var follower = Raft.fixture(id: 2, voters: [1, 2, 3], terms: [1, 2, 2, 2, 2, 2], term: 4)
        follower.step(.append(from: 1, to: 2, term: 4, logTerm: 3, index: 7))
        let rejection = follower.drain().first!
        #expect(rejection.reject)
        #expect(rejection.index == 7)
        #expect(rejection.rejectHint == 6, "the follower's last index at or before 7 with term at most 3")
        #expect(rejection.logTerm == 2)
        leader.step(rejection)
        let retry = leader.drain().first { $0.kind == .append }!
        #expect(retry.index == 1, "the leader has no term-2 entries, so it skips back to index 1 at once")
        follower.step(retry)
        let accepted = follower.drain().first!
        #expect(!accepted.reject)
        #expect(follower.logTerms == [1, 3, 3, 3, 3, 3, 3, 4])
    }

    @Test("a follower with a short log hints its last index so the leader resumes there")
    func shortLogHint() {
        var follower = Raft.fixture(id: 2, voters: [1, 2, 3], terms: [1, 1], term: 2)
        follower.step(.append(from: 1, to: 2, term: 2, logTerm: 2, index: 9))
        let rejection = follower.drain().first!
        #expect(rejection.reject && rejection.rejectHint == 2 && rejection.logTerm == 1)
    }

    @Test("a stale rejection (for an index already past) does not move the leader back")
    func staleRejectionIgnored() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        try network.propose(1, "a")
        network.stabilize()
        let before = network[1].followers.first { $0.id == 2 }!
        network.withNode(1) {
            $0.step(Message(kind: .appendResponse, from: 2, to: 1, term: $0.term, logTerm: 1, index: 1, reject: true, rejectHint: 1))
        }
        let after = network[1].followers.first { $0.id == 2 }!
        #expect(after.match == before.match && after.next == before.next)
    }

    /// A leader of {1, 2} whose follower has acknowledged the no-op (so it is in replicate
    /// state), with `configure`d options, and `count` proposals of `size` bytes of which the
    /// first is in flight.
    private func replicatingLeader(proposals count: Int, size: Int = 1, configure: (inout RaftOptions) -> Void) throws -> Raft {
        var leader = Raft.fixture(id: 1, voters: [1, 2]) {
            $0.maxEntriesPerMessage = 1
            configure(&$0)
        }
        leader.becomeLeaderForTest()
        _ = leader.drain()
        leader.step(Message(kind: .appendResponse, from: 2, to: 1, term: 1, index: 1))
        _ = leader.drain()
        #expect(leader.progress[2]?.state == .replicate)
        for _ in 0..<count { _ = try leader.propose([[UInt8](repeating: 7, count: size)]) }
        let first = leader.drain().filter { $0.kind == .append && !$0.entries.isEmpty }
        #expect(first.map { $0.entries.map(\.index) } == [[2]], "a proposal goes out in one message per follower")
        return leader
    }

    private func appends(_ messages: [Message]) -> [[UInt64]] {
        messages.filter { $0.kind == .append && !$0.entries.isEmpty }.map { $0.entries.map(\.index) }
    }

    @Test("the in-flight window pauses replication when full and resumes as acknowledgements free it")
    func inflightWindow() throws {
        var leader = try replicatingLeader(proposals: 5) { $0.maxInflightMessages = 3 }
        leader.step(Message(kind: .appendResponse, from: 2, to: 1, term: 1, index: 2))
        #expect(appends(leader.drain()) == [[3], [4], [5]], "an acknowledgement opens the pipeline up to the window")
        #expect(leader.progress[2]?.isPaused == true)
        #expect(leader.drain().isEmpty)
        leader.step(Message(kind: .appendResponse, from: 2, to: 1, term: 1, index: 3))
        #expect(appends(leader.drain()) == [[6]], "one acknowledgement frees one slot")
    }

    @Test("the in-flight window is also bounded in bytes")
    func inflightBytes() throws {
        var leader = try replicatingLeader(proposals: 5, size: 100) { $0.maxInflightBytes = 250 }
        leader.step(Message(kind: .appendResponse, from: 2, to: 1, term: 1, index: 2))
        #expect(appends(leader.drain()) == [[3], [4], [5]], "the window fills at 300 of 250 bytes")
        #expect(leader.progress[2]?.isPaused == true)
    }

    @Test("a heartbeat answer from a follower with a full window frees a slot (the follower is alive)")
    func heartbeatFreesWindow() throws {
        var leader = try replicatingLeader(proposals: 4) { $0.maxInflightMessages = 2 }
        leader.step(Message(kind: .appendResponse, from: 2, to: 1, term: 1, index: 2))
        #expect(appends(leader.drain()) == [[3], [4]])
        #expect(leader.progress[2]?.isPaused == true)
        leader.step(Message(kind: .heartbeatResponse, from: 2, to: 1, term: 1))
        #expect(appends(leader.drain()) == [[5]])
    }

    @Test("a follower in probe state gets one AppendEntries at a time until it answers")
    func probeSendsOneAtATime() throws {
        var leader = Raft.fixture(id: 1, voters: [1, 2])
        leader.becomeLeaderForTest()
        let probes = leader.drain().filter { $0.kind == .append }
        #expect(probes.count == 1)
        #expect(leader.progress[2]?.state == .probe)
        _ = try leader.propose([[1]])
        #expect(leader.drain().filter { $0.kind == .append }.isEmpty, "paused until the probe is answered")
    }

    @Test("heartbeats never tell a follower to commit past what it is known to hold")
    func heartbeatCommitIsCapped() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        network.dropFilter = { $0.to == 3 && $0.kind == .append }
        try network.propose(1, "a")
        network.stabilize()
        network.dropFilter = nil
        #expect(network[1].commitIndex == 3)
        network.tick(1)
        network.processReady(1)
        let beat = network.messages(from: 1, to: 3, kind: .heartbeat).first
        #expect(beat?.commit == 2, "3 is known to hold only through 2")
        #expect(network.messages(from: 1, to: 2, kind: .heartbeat).first?.commit == 3)
    }

    @Test("entries are applied only after they are persisted, and never twice")
    func applyAfterPersist() throws {
        var raft = Raft.fixture(id: 1, voters: [1])
        raft.campaign()
        #expect(raft.role == .leader)
        let ready = raft.ready()
        #expect(ready.entries.count == 1)
        #expect(ready.committedEntries.isEmpty)
        raft.advance(ready)
        let next = raft.ready()
        #expect(next.committedEntries.map(\.index) == [1])
        raft.advance(next)
        #expect(!raft.hasReady)
    }

    @Test("every Ready that hasReady announces has something in it")
    func hasReadyIsHonest() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.tickAll(30)
        let leader = try #require(network.leaders.first)
        for round in 0..<20 {
            try network.propose(leader, "c\(round)")
            network.tickAll(1)
        }
        #expect(network.violations.isEmpty, "\(network.violations)")
        #expect(network.nodes[2]!.appliedCommands.count == 20)
    }

    @Test("a leader sends large backlogs in bounded messages")
    func boundedMessages() throws {
        var network = RaftNetwork(voters: [1, 2]) { $0.maxEntriesPerMessage = 4 }
        network.elect(1)
        network.partition = [[1], [2]]
        for round in 0..<10 { try network.propose(1, "c\(round)") }
        network.stabilize()
        network.partition = []
        var sizes: [Int] = []
        network.dropFilter = { message in
            if message.kind == .append { sizes.append(message.entries.count) }
            return false
        }
        network.tickAll(1)
        #expect(sizes.max() == 4)
        #expect(network.nodes[2]!.appliedCommands.count == 10)
    }
}
