import Testing

@testable import CaravanRaft

/// Log compaction and InstallSnapshot (thesis ch. 5, paper Figure 13): chunked, resumable
/// transfers and what a follower keeps of its log.
struct SnapshotTests {
    /// A snapshot chunk from leader 1 at `term` covering everything through `index`/`snapshotTerm`.
    private func chunk(
        index: UInt64, snapshotTerm: UInt64, term: UInt64, offset: UInt64 = 0, data: [UInt8] = [1, 2, 3], total: UInt64? = nil
    ) -> Message {
        let metadata = RaftSnapshotMetadata(index: index, term: snapshotTerm, configuration: RaftNetwork.configuration(voters: [1, 2, 3]))
        return Message(
            kind: .snapshot, from: 1, to: 2, term: term,
            snapshot: SnapshotChunk(metadata: metadata, totalSize: total ?? offset + UInt64(data.count), offset: offset, data: data))
    }

    /// A leader 1 of {1, 2, 3} with `commands` applied everywhere, then 3 cut off while
    /// `behind` more are committed, and the leader's log compacted through its last index.
    private func compactedCluster(behind: Int, configure: (inout RaftOptions) -> Void = { _ in }) throws -> RaftNetwork {
        var network = RaftNetwork(voters: [1, 2, 3], configure: configure)
        network.elect(1)
        try network.propose(1, "a")
        network.stabilize()
        network.partition = [[1, 2], [3]]
        for round in 0..<behind { try network.propose(1, "b\(round)") }
        network.stabilize()
        network.compact(1, index: network[1].lastIndex)
        return network
    }

    @Test("a follower behind the compaction point catches up with a snapshot, then with entries")
    func catchUpWithSnapshot() throws {
        var network = try compactedCluster(behind: 5)
        try network.propose(1, "after")
        network.stabilize()
        network.partition = []
        network.tickAll(3)
        #expect(network.nodes[3]!.snapshot?.metadata.index == 8)
        #expect(network.nodes[3]!.appliedCommands == ["a", "b0", "b1", "b2", "b3", "b4", "after"])
        #expect(network[3].firstIndex == 9)
        #expect(network[1].followers.first { $0.id == 3 }?.match == network[1].lastIndex)
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("an InstallSnapshot whose last entry conflicts discards the whole log (Fig. 13 rule 7)")
    func conflictingSnapshotDiscardsLog() {
        var follower = Raft.fixture(id: 2, voters: [1, 2, 3], terms: [1, 1, 2, 2, 2], term: 3)
        follower.step(chunk(index: 3, snapshotTerm: 3, term: 3))
        #expect(follower.firstIndex == 4)
        #expect(follower.lastIndex == 3, "entries 4 and 5 followed a conflicting entry and are gone")
        #expect(follower.commitIndex == 3)
        let ready = follower.ready()
        #expect(ready.snapshot?.metadata.index == 3)
        #expect(ready.messages.first { $0.kind == .appendResponse }?.index == 3)
    }

    @Test("a matching snapshot keeps the log suffix (rule 6), but vouches only for the snapshot's index")
    func matchingSnapshotKeepsSuffix() {
        var follower = Raft.fixture(id: 2, voters: [1, 2, 3], terms: [1, 1, 1, 1, 1], term: 2)
        follower.step(chunk(index: 3, snapshotTerm: 1, term: 2))
        #expect(follower.firstIndex == 4)
        #expect(follower.lastIndex == 5)
        #expect(follower.commitIndex == 3)
        let ready = follower.ready()
        #expect(ready.snapshot?.metadata.index == 3)
        // Entries 4 and 5 may come from an older leader and differ from this leader's: the
        // follower must not claim to match them.
        #expect(ready.messages.first { $0.kind == .appendResponse }?.index == 3)
    }

    @Test("a leader does not count a follower's kept suffix as matching after a snapshot (rule 6)")
    func leaderDoesNotOvercountAfterRule6() throws {
        var leader = Raft.fixture(id: 1, voters: [1, 2, 3], terms: [1, 1, 1], term: 1, commit: 3)
        leader.becomeLeaderForTest()
        _ = try leader.propose([Array("x".utf8)])
        _ = leader.drain()
        leader.snapshotTaken(
            RaftSnapshot(metadata: RaftSnapshotMetadata(index: 3, term: 1, configuration: leader.configuration), data: [1]), compactingThrough: 3)
        var follower = Raft.fixture(id: 3, voters: [1, 2, 3], terms: [1, 1, 1, 1, 1], term: 1)
        // A stale rejection makes the leader look for index 2, which only the snapshot covers.
        leader.step(Message(kind: .appendResponse, from: 3, to: 1, term: 2, logTerm: 1, index: 3, reject: true, rejectHint: 2))
        var toFollower = leader.drain().filter { $0.to == 3 }
        #expect(toFollower.map(\.kind) == [.snapshot])
        for _ in 0..<5 where !toFollower.isEmpty {
            for message in toFollower { follower.step(message) }
            for reply in follower.drain() { leader.step(reply) }
            toFollower = leader.drain().filter { $0.to == 3 }
        }
        #expect(leader.commitIndex == 5)
        #expect(follower.logTerms.suffix(2) == [2, 2], "the follower's term-1 suffix was replaced by the leader's entries")
        #expect(follower.entry(at: 5)?.data == Array("x".utf8))
    }

    @Test("a follower whose conflicting entries a snapshot covers takes one snapshot, then entries (hashicorp/raft#697)")
    func noSnapshotLivelock() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        network.partition = [[1], [2, 3]]
        for command in ["x1", "x2", "x3"] { try network.propose(1, command) }
        network.stabilize()
        network.tickAll(30)
        let leader = try #require(network.leaders.first { $0 != 1 })
        for command in ["a", "b", "c", "d"] { try network.propose(leader, command) }
        network.stabilize()
        network.compact(leader, index: network[leader].lastIndex)
        try network.propose(leader, "e")
        network.stabilize()
        network.output = []
        network.partition = []
        network.tickAll(10)
        let installs = network.output.filter { $0.hasPrefix("  Snapshot:") }
        #expect(installs.count == 1, "\(installs)")
        #expect(network[1].entries() == network[leader].entries())
        #expect(network.nodes[1]!.appliedCommands == ["a", "b", "c", "d", "e"])
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("a snapshot the follower's commit index already covers is answered with the commit index")
    func oldSnapshotIgnored() {
        var follower = Raft.fixture(id: 2, voters: [1, 2, 3], terms: [1, 1, 1, 1, 1], term: 1, commit: 5)
        follower.step(chunk(index: 3, snapshotTerm: 1, term: 1))
        let ready = follower.ready()
        #expect(ready.snapshot == nil)
        #expect(ready.messages.first?.kind == .appendResponse)
        #expect(ready.messages.first?.index == 5)
        #expect(follower.lastIndex == 5)
    }

    @Test("a snapshot is assembled from chunks received in order")
    func chunksAssemble() {
        var follower = Raft.fixture(id: 2, voters: [1, 2, 3], term: 1)
        follower.step(chunk(index: 7, snapshotTerm: 1, term: 1, offset: 0, data: [1, 2], total: 5))
        follower.step(chunk(index: 7, snapshotTerm: 1, term: 1, offset: 2, data: [3, 4], total: 5))
        #expect(follower.drain().map(\.index) == [2, 4])
        follower.step(chunk(index: 7, snapshotTerm: 1, term: 1, offset: 4, data: [5], total: 5))
        let ready = follower.ready()
        #expect(ready.snapshot?.data == [1, 2, 3, 4, 5])
        #expect(ready.messages.map(\.kind) == [.appendResponse])
    }

    @Test("a chunk past the follower's offset is refused with the offset it has reached")
    func gapRefused() {
        var follower = Raft.fixture(id: 2, voters: [1, 2, 3], term: 1)
        follower.step(chunk(index: 7, snapshotTerm: 1, term: 1, offset: 0, data: [1, 2], total: 6))
        follower.step(chunk(index: 7, snapshotTerm: 1, term: 1, offset: 4, data: [5, 6], total: 6))
        let replies = follower.drain()
        #expect(replies.map(\.reject) == [false, true])
        #expect(replies.last?.index == 2)
    }

    @Test("snapshot chunks resume from the follower's offset after a lost chunk")
    func resumeAfterLostChunk() throws {
        var network = try compactedCluster(behind: 6) {
            $0.snapshotChunkBytes = 16
            $0.maxSnapshotChunksInFlight = 2
        }
        let size = network.nodes[1]!.snapshot!.data.count
        #expect(size > 64, "several chunks")
        network.partition = []
        var offsets: [UInt64] = []
        network.dropFilter = { message in
            guard message.kind == .snapshot, let offset = message.snapshot?.offset else { return false }
            offsets.append(offset)
            return offsets == [0, 16]
        }
        network.tickAll(6)
        #expect(offsets.prefix(3) == [0, 16, 32])
        #expect(offsets.filter { $0 == 0 }.count == 1, "the transfer never restarted from the beginning")
        #expect(offsets.filter { $0 == 16 }.count == 2, "the lost chunk was sent again")
        #expect(network.nodes[3]!.appliedCommands == network.nodes[1]!.appliedCommands)
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("a lost last chunk is resent once heartbeats show the transfer stalled")
    func resumeAfterLostLastChunk() throws {
        var network = try compactedCluster(behind: 2) {
            $0.snapshotChunkBytes = 1 << 20
        }
        network.partition = []
        var lost = 0
        network.dropFilter = { message in
            guard message.kind == .snapshot, lost == 0 else { return false }
            lost += 1
            return true
        }
        network.tickAll(8)
        #expect(lost == 1)
        #expect(network.nodes[3]!.snapshot != nil)
        #expect(network.nodes[3]!.appliedCommands == network.nodes[1]!.appliedCommands)
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("each snapshot chunk resets the follower's election timer")
    func chunksResetTimer() {
        var follower = Raft.fixture(id: 2, voters: [1, 2, 3], term: 1)
        for offset in 0..<5 as Range<UInt64> {
            follower.step(chunk(index: 7, snapshotTerm: 1, term: 1, offset: offset, data: [1], total: 10))
            follower.tick(follower.randomizedElectionTimeout - 1)
            #expect(follower.role == .follower)
        }
    }

    @Test("a leader keeps entries up to compactingThrough, so a slightly slow follower needs no snapshot")
    func trailingEntriesAvoidSnapshots() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        network.partition = [[1, 2], [3]]
        for round in 0..<4 { try network.propose(1, "c\(round)") }
        network.stabilize()
        network.compact(1, index: 6, compacting: 2)
        #expect(network[1].firstIndex == 3)
        network.partition = []
        network.tickAll(3)
        #expect(network.nodes[3]!.snapshot == nil)
        #expect(network.nodes[3]!.appliedCommands == ["c0", "c1", "c2", "c3"])
    }

    @Test("a server restarts from its snapshot and the entries after it")
    func restartFromSnapshot() throws {
        var network = try compactedCluster(behind: 3)
        try network.propose(1, "later")
        network.stabilize()
        let commit = network[1].commitIndex
        network.restart(1)
        #expect(network[1].firstIndex == 7)
        #expect(network[1].commitIndex == commit)
        network.stabilize()
        #expect(network.nodes[1]!.appliedCommands == ["a", "b0", "b1", "b2", "later"])
        network.tickAll(30)
        #expect(network.leaders.count == 1)
        #expect(network.violations.isEmpty, "\(network.violations)")
    }
}
