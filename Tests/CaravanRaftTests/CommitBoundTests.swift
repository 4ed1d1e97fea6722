import Testing

@testable import CaravanRaft

/// What a follower commits when a message claims more than its log holds. Committing past the
/// last index traps (etcd-io/raft's `commitTo` panic), so every path from a peer's message must
/// bound the claim by what the log holds; these tests check that none of them can be made to trap.
struct CommitBoundTests {
    @Test("a heartbeat whose commit is past the follower's last index commits only what the follower holds")
    func heartbeatPastTheEnd() {
        var follower = Raft.fixture(id: 2, voters: [1, 2, 3], terms: [1, 1, 1], term: 1)
        follower.step(Message(kind: .heartbeat, from: 1, to: 2, term: 1, commit: 1_000))
        #expect(follower.commitIndex == 3)
        #expect(follower.leader == 1)
    }

    @Test("an append whose commit is past its last new entry commits only through that entry")
    func appendPastItsEntries() {
        var follower = Raft.fixture(id: 2, voters: [1, 2, 3], terms: [1, 1, 1, 1], term: 1)
        follower.step(
            Message(
                kind: .append, from: 1, to: 2, term: 1, logTerm: 1, index: 1, entries: [LogEntry(index: 2, term: 1, data: [])],
                commit: 1_000))
        #expect(follower.commitIndex == 2, "the append showed entries 1 and 2 match the leader's, not 3 and 4")
    }

    @Test("a restart whose hard state commits within the log keeps that commit")
    func restartWithinTheLog() {
        let raft = Raft.fixture(id: 2, voters: [1, 2, 3], terms: [1, 1, 1], term: 1, commit: 3)
        #expect(raft.commitIndex == 3)
    }

    @Test("acknowledgements past the leader's last index commit nothing")
    func acknowledgementsPastTheEnd() {
        var leader = Raft.fixture(id: 1, voters: [1, 2, 3])
        leader.becomeLeaderForTest()
        _ = leader.drain()
        let (last, commit) = (leader.lastIndex, leader.commitIndex)
        for follower: NodeID in [2, 3] {
            leader.step(Message(kind: .appendResponse, from: follower, to: 1, term: leader.term, index: last + 1_000))
        }
        #expect(leader.commitIndex >= commit)
        #expect(leader.commitIndex <= last)
    }
}
