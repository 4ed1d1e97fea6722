import Testing

@testable import CaravanRaft

/// The rules of the Raft paper (Ongaro & Ousterhout, 2014), one test per rule, in the manner of
/// etcd's raft_paper_test.go: put one server in a state, step messages into it, and check what
/// it sends and how its state changes. PreVote and CheckQuorum are off unless a test says
/// otherwise, since the paper has neither.
struct RaftPaperTests {
    // MARK: §5.1 Terms

    @Test("a server that sees a higher term adopts it and becomes a follower (§5.1)", arguments: [Role.follower, .candidate, .leader])
    func updateTermFromMessage(role: Role) {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], term: 1)
        switch role {
        case .candidate: raft.campaign()
        case .leader: raft.becomeLeaderForTest()
        default: break
        }
        #expect(raft.role == role)
        raft.step(.append(from: 2, to: 1, term: 5, logTerm: 0, index: 0))
        #expect(raft.term == 5)
        #expect(raft.role == .follower)
        #expect(raft.leader == 2)
    }

    @Test("a follower rejects AppendEntries from a stale term and tells the sender its term (§5.1)")
    func rejectStaleTerm() {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], terms: [1, 2], term: 3)
        raft.step(.append(from: 2, to: 1, term: 2, logTerm: 2, index: 2, entryTerms: [2], commit: 2))
        #expect(raft.lastIndex == 2)
        #expect(raft.commitIndex == 0)
        #expect(raft.leader == 0)
        let replies = raft.drain()
        #expect(replies.count == 1)
        #expect(replies.first?.kind == .appendResponse)
        #expect(replies.first?.term == 3)
    }

    @Test("a stale leader steps down when a follower answers with a higher term (§5.1)")
    func staleLeaderStepsDown() {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], term: 1)
        raft.becomeLeaderForTest()
        raft.step(Message(kind: .appendResponse, from: 2, to: 1, term: 4))
        #expect(raft.role == .follower)
        #expect(raft.term == 4)
    }

    // MARK: §5.2 Leader election

    @Test("a server starts as a follower (§5.2)")
    func startAsFollower() {
        let raft = Raft.fixture(id: 1, voters: [1, 2, 3], term: 1)
        #expect(raft.role == .follower)
        #expect(raft.leader == 0)
    }

    @Test("a leader sends heartbeats every heartbeat interval to all followers (§5.2)")
    func leaderBroadcastsHeartbeats() {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], term: 1) { $0.heartbeatTicks = 2 }
        raft.becomeLeaderForTest()
        _ = raft.drain()
        raft.tick()
        #expect(raft.drain().isEmpty)
        raft.tick()
        let beats = raft.drain()
        #expect(beats.map(\.kind) == [.heartbeat, .heartbeat])
        #expect(Set(beats.map(\.to)) == [2, 3])
        #expect(beats.allSatisfy { $0.term == raft.term })
    }

    @Test(
        "a follower or candidate that hears nothing for an election timeout starts an election: term + 1, a vote for itself, RequestVote to all (§5.2)",
        arguments: [Role.follower, .candidate])
    func timeoutStartsElection(role: Role) {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], term: 1)
        if role == .candidate { raft.campaign() }
        let term = raft.term
        for _ in 0..<2 * 10 where raft.term == term { raft.tick() }
        #expect(raft.role == .candidate)
        #expect(raft.term == term + 1)
        #expect(raft.vote == 1)
        let requests = raft.drain().filter { $0.term == term + 1 }
        #expect(requests.map(\.kind) == [.vote, .vote])
        #expect(requests.map(\.to) == [2, 3])
    }

    @Test(
        "a candidate wins with a majority of votes, loses with a majority of rejections, waits otherwise (§5.2)",
        arguments: [
            (size: 1, granted: [NodeID](), rejected: [NodeID](), expected: Role.leader),
            (3, [2], [], .leader),
            (3, [2, 3], [], .leader),
            (3, [], [], .candidate),
            (3, [], [2], .candidate),
            (3, [], [2, 3], .follower),
            (5, [2], [], .candidate),
            (5, [2, 3], [], .leader),
            (5, [], [2, 3], .candidate),
            (5, [], [2, 3, 4], .follower),
        ])
    func electionInOneRound(size: Int, granted: [NodeID], rejected: [NodeID], expected: Role) {
        var raft = Raft.fixture(id: 1, voters: Array(1...NodeID(size)), term: 1)
        raft.campaign()
        for voter in granted { raft.step(Message(kind: .voteResponse, from: voter, to: 1, term: 2)) }
        for voter in rejected { raft.step(Message(kind: .voteResponse, from: voter, to: 1, term: 2, reject: true)) }
        #expect(raft.role == expected)
        #expect(raft.term == 2)
    }

    @Test("a server grants at most one vote per term, first come first served (§5.2)")
    func oneVotePerTerm() {
        for (vote, candidate, granted) in [(NodeID(0), NodeID(2), true), (0, 3, true), (2, 2, true), (3, 3, true), (2, 3, false), (3, 2, false)] {
            var raft = Raft.fixture(id: 1, voters: [1, 2, 3], term: 1, vote: vote)
            raft.step(Message(kind: .vote, from: candidate, to: 1, term: 1))
            let replies = raft.drain()
            #expect(replies.count == 1)
            #expect(replies.first?.kind == .voteResponse)
            #expect(replies.first?.reject == !granted, "voted for \(vote), asked by \(candidate)")
            #expect(raft.vote == (granted ? candidate : vote))
        }
    }

    @Test("a candidate that hears AppendEntries from a leader of its term or later becomes a follower (§5.2)", arguments: [2, 3] as [UInt64])
    func candidateFallsBack(term: UInt64) {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], term: 1)
        raft.campaign()
        #expect(raft.term == 2)
        raft.step(.append(from: 2, to: 1, term: term, logTerm: 0, index: 0))
        #expect(raft.role == .follower)
        #expect(raft.term == term)
        #expect(raft.leader == 2)
    }

    @Test("election timeouts are randomized in [T, 2T) (§5.2)", arguments: [Role.follower, .candidate])
    func timeoutRandomized(role: Role) {
        var seen = Set<Int>()
        for seed in 1...200 as ClosedRange<UInt64> {
            var raft = Raft.fixture(id: 1, voters: [1, 2, 3], term: 1) { $0.randomSeed = seed }
            if role == .candidate { raft.campaign() }
            let term = raft.term
            var ticks = 0
            while raft.term == term, ticks < 100 {
                raft.tick()
                ticks += 1
            }
            #expect((10..<20).contains(ticks), "seed \(seed) timed out after \(ticks) ticks")
            seen.insert(ticks)
        }
        #expect(seen == Set(10..<20))
    }

    @Test("servers with different seeds rarely time out together (§5.2)")
    func timeoutsDifferAcrossSeeds() {
        var conflicts = 0
        let rounds = 500
        for round in 0..<rounds {
            let timeouts = (1...5 as ClosedRange<UInt64>).map { id in
                var raft = Raft.fixture(id: id, voters: [1, 2, 3, 4, 5], term: 1) { $0.randomSeed = UInt64(round) * 5 + id }
                var ticks = 0
                while raft.role == .follower {
                    raft.tick()
                    ticks += 1
                }
                return ticks
            }
            let earliest = timeouts.min()!
            if timeouts.filter({ $0 == earliest }).count > 1 { conflicts += 1 }
        }
        #expect(Double(conflicts) / Double(rounds) < 0.3)
    }

    // MARK: §5.3 Log replication

    /// Server 1, leader of term 2 of {1, 2, 3}, whose followers have acknowledged its no-op, with
    /// nothing left to send.
    static func leaderWithFollowersInStep() -> Raft {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], term: 1)
        raft.becomeLeaderForTest()
        _ = raft.drain()
        for follower: NodeID in [2, 3] { raft.step(Message(kind: .appendResponse, from: follower, to: 1, term: 2, index: 1)) }
        _ = raft.drain()
        return raft
    }

    @Test("a leader appends a proposal to its log and sends it to every follower (§5.3)")
    func leaderStartsReplication() throws {
        var raft = Self.leaderWithFollowersInStep()
        let index = try raft.propose([Array("x".utf8)])
        #expect(index == 2)
        #expect(raft.lastIndex == 2)
        let appends = raft.drain().filter { $0.kind == .append }
        #expect(appends.map(\.to) == [2, 3])
        for append in appends {
            #expect(append.index == 1 && append.logTerm == 2)
            #expect(append.entries == [LogEntry(index: 2, term: 2, data: Array("x".utf8))])
            #expect(append.commit == 1)
        }
    }

    @Test("a leader commits an entry once a majority stores it, and tells the followers (§5.3)")
    func leaderCommitsEntry() throws {
        var raft = Self.leaderWithFollowersInStep()
        let index = try raft.propose([Array("x".utf8)])
        _ = raft.drain()
        #expect(raft.commitIndex == 1)
        raft.step(Message(kind: .appendResponse, from: 2, to: 1, term: 2, index: index))
        #expect(raft.commitIndex == index)
        let updates = raft.drain().filter { $0.kind == .append }
        #expect(Set(updates.map(\.to)) == [2, 3])
        #expect(updates.allSatisfy { $0.commit == index })
    }

    @Test(
        "an entry commits once acknowledged by a majority of voters, the leader counted (§5.3)",
        arguments: [
            (size: 1, acks: [NodeID](), committed: true),
            (3, [], false),
            (3, [2], true),
            (3, [2, 3], true),
            (5, [], false),
            (5, [2], false),
            (5, [2, 3], true),
            (5, [2, 3, 4, 5], true),
        ])
    func commitNeedsMajority(size: Int, acks: [NodeID], committed: Bool) throws {
        var raft = Raft.fixture(id: 1, voters: Array(1...NodeID(size)), term: 1)
        raft.becomeLeaderForTest()
        let index = try raft.propose([[1]])
        _ = raft.drain()
        for follower in acks { raft.step(Message(kind: .appendResponse, from: follower, to: 1, term: 2, index: index)) }
        #expect((raft.commitIndex == index) == committed)
    }

    @Test("a leader does not count itself before its own log write is persisted (§5.3, §10.2.1)")
    func leaderCountsItselfOncePersisted() throws {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], term: 1)
        raft.becomeLeaderForTest()
        let index = try raft.propose([[1]])
        let ready = raft.ready()
        raft.step(Message(kind: .appendResponse, from: 2, to: 1, term: 2, index: index - 1))
        #expect(raft.commitIndex == 0)
        raft.advance(ready)
        #expect(raft.commitIndex == index - 1)
    }

    @Test("committing an entry commits every entry before it, older terms included (§5.3)")
    func commitIncludesPrecedingEntries() throws {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], terms: [1, 2, 2], term: 2)
        raft.becomeLeaderForTest()
        #expect(raft.term == 3)
        let index = try raft.propose([[1]])
        _ = raft.drain()
        raft.step(Message(kind: .appendResponse, from: 2, to: 1, term: 3, index: index))
        #expect(raft.commitIndex == index)
        let ready = raft.ready()
        #expect(ready.committedEntries.map(\.index) == Array(1...index))
        #expect(ready.committedEntries.map(\.term) == [1, 2, 2, 3, 3])
    }

    @Test("a follower commits what the leader says is committed, within what it holds (§5.3)")
    func followerCommits() {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], term: 1)
        raft.step(.append(from: 2, to: 1, term: 1, logTerm: 0, index: 0, entryTerms: [1, 1], commit: 5))
        #expect(raft.commitIndex == 2, "the leader's commit index is capped at the last entry the message vouches for")
        raft.step(.append(from: 2, to: 1, term: 1, logTerm: 1, index: 1, entryTerms: [], commit: 1))
        #expect(raft.commitIndex == 2, "the commit index never goes back")
        let ready = raft.ready()
        #expect(ready.committedEntries.isEmpty, "nothing is applied before the entries are persisted")
        raft.advance(ready)
        #expect(raft.ready().committedEntries.map(\.index) == [1, 2])
    }

    @Test(
        "a follower accepts AppendEntries only when its log holds the previous entry, and hints where to resume (§5.3)",
        arguments: [
            (logTerm: UInt64(0), index: UInt64(0), rejected: false, hint: UInt64(0)),
            (1, 1, false, 0),
            (2, 2, false, 0),
            (1, 2, true, 1),
            (3, 3, true, 2),
        ])
    func consistencyCheck(logTerm: UInt64, index: UInt64, rejected: Bool, hint: UInt64) {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], terms: [1, 2], term: 2)
        raft.step(.append(from: 2, to: 1, term: 2, logTerm: logTerm, index: index))
        let reply = raft.drain().first { $0.kind == .appendResponse }
        #expect(reply?.reject == rejected)
        if rejected {
            #expect(reply?.index == index)
            #expect(reply?.rejectHint == hint)
        }
    }

    @Test(
        "a follower deletes a conflicting entry and everything after it, then appends the new entries (§5.3)",
        arguments: [
            (index: UInt64(2), logTerm: UInt64(2), entryTerms: [UInt64(3)], expected: [UInt64(1), 2, 3]),
            (1, 1, [3, 4], [1, 3, 4]),
            (0, 0, [1], [1, 2]),
            (0, 0, [3], [3]),
        ])
    func followerAppends(index: UInt64, logTerm: UInt64, entryTerms: [UInt64], expected: [UInt64]) {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], terms: [1, 2], term: 2)
        raft.step(.append(from: 2, to: 1, term: 4, logTerm: logTerm, index: index, entryTerms: entryTerms))
        #expect(raft.logTerms == expected)
    }

    @Test("an AppendEntries already applied does not truncate later entries (duplicate or reordered delivery)")
    func staleAppendKeepsLaterEntries() {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], terms: [1, 1, 1], term: 1)
        raft.step(.append(from: 2, to: 1, term: 1, logTerm: 1, index: 1, entryTerms: [1]))
        #expect(raft.logTerms == [1, 1, 1])
    }

    @Test(
        "a leader brings every follower's log into line with its own (Figure 7)",
        arguments: [
            [1, 1, 1, 4, 4, 5, 5, 6, 6],
            [1, 1, 1, 4],
            [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
            [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
            [1, 1, 1, 4, 4, 4, 4],
            [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
        ] as [[UInt64]])
    func leaderSyncsFollowerLog(follower: [UInt64]) {
        let leaderLog: [UInt64] = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6]
        var network = RaftNetwork(voters: [])
        network.insert(.fixture(id: 1, voters: [1, 2, 3], terms: leaderLog, term: 8, commit: 3))
        network.insert(.fixture(id: 2, voters: [1, 2, 3], terms: follower, term: 8))
        network.insert(.fixture(id: 3, voters: [1, 2, 3], terms: leaderLog, term: 8, commit: 3))
        network.withNode(1) { $0.becomeLeaderForTest() }
        network.stabilize()
        #expect(network[1].role == .leader)
        #expect(network[2].logTerms == leaderLog + [9])
        #expect(network[2].commitIndex == 11)
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("a candidate asks for votes with the index and term of its last entry (§5.4.1)")
    func voteRequestCarriesLastEntry() {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], terms: [1, 2, 2], term: 2)
        raft.campaign()
        let requests = raft.drain()
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { $0.kind == .vote && $0.term == 3 && $0.logTerm == 2 && $0.index == 3 })
    }

    @Test(
        "a server votes only for a candidate whose log is at least as up to date as its own (§5.4.1)",
        arguments: [
            (logTerm: UInt64(1), index: UInt64(2), granted: false),
            (1, 3, false),
            (2, 1, false),
            (2, 2, true),
            (2, 3, true),
            (3, 1, true),
        ])
    func voteOnlyForUpToDateLogs(logTerm: UInt64, index: UInt64, granted: Bool) {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], terms: [1, 2], term: 2)
        raft.step(Message(kind: .vote, from: 2, to: 1, term: 3, logTerm: logTerm, index: index))
        let reply = raft.drain().first
        #expect(reply?.kind == .voteResponse)
        #expect(reply?.reject == !granted)
        #expect(raft.vote == (granted ? 2 : 0))
    }

    @Test("a leader only commits entries of its own term by counting replicas (§5.4.2)")
    func onlyCommitsCurrentTermByCounting() throws {
        var raft = Raft.fixture(id: 1, voters: [1, 2, 3], terms: [1, 2], term: 2)
        raft.becomeLeaderForTest()
        #expect(raft.term == 3)
        _ = raft.drain()
        // A majority holds index 2 (term 2), but that does not commit it.
        raft.step(Message(kind: .appendResponse, from: 2, to: 1, term: 3, index: 2))
        #expect(raft.commitIndex == 0)
        // Index 3 is this term's no-op: once a majority holds it, it and everything before commit.
        raft.step(Message(kind: .appendResponse, from: 2, to: 1, term: 3, index: 3))
        #expect(raft.commitIndex == 3)
    }

    /// Figure 8 (c): S1 leads term 4 and has put index 2 (term 2) on S2 and S3, a majority, but
    /// not yet its own no-op at index 3.
    private func figure8() -> RaftNetwork {
        var network = RaftNetwork(voters: [])
        let voters: [NodeID] = [1, 2, 3, 4, 5]
        network.insert(.fixture(id: 1, voters: voters, terms: [1, 2], term: 3, commit: 1) { $0.maxEntriesPerMessage = 1 })
        network.insert(.fixture(id: 2, voters: voters, terms: [1, 2], term: 4, vote: 1, commit: 1))
        network.insert(.fixture(id: 3, voters: voters, terms: [1], term: 4, vote: 1, commit: 1))
        network.insert(.fixture(id: 4, voters: voters, terms: [1], term: 3, commit: 1))
        network.insert(.fixture(id: 5, voters: voters, terms: [1, 3], term: 3, commit: 1))
        network.withNode(1) { $0.becomeLeaderForTest() }
        #expect(network[1].term == 4)
        network.partition = [[1, 2, 3], [4, 5]]
        return network
    }

    /// Loses the no-op (index 3) on its way to S3 — except in S1's first probe, which S3
    /// rejects anyway (it lacks index 2), so S1 backs off and sends it index 2 alone.
    private func loseNoopToS3(_ network: inout RaftNetwork) {
        var seen = 0
        network.dropFilter = { message in
            guard message.to == 3, message.kind == .append, message.entries.contains(where: { $0.index == 3 }) else { return false }
            seen += 1
            return seen > 1
        }
    }

    @Test("a leader does not commit an old-term entry that a majority holds (Figure 8 c)")
    func figure8NoCommitByCounting() {
        var network = figure8()
        loseNoopToS3(&network)
        network.stabilize()
        #expect(network[1].followers.first { $0.id == 2 }?.match == 3)
        #expect(network[1].followers.first { $0.id == 3 }?.match == 2)
        #expect(network[1].commitIndex == 1)
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("an old-term entry held by a majority can still be overwritten by a later leader (Figure 8 d)")
    func figure8Overwrite() {
        var network = figure8()
        loseNoopToS3(&network)
        network.stabilize()
        // S1 crashes; S5, whose last term (3) beats S3's (2) and S4's (1), wins term 5.
        network.dropFilter = nil
        network.partition = [[1], [2, 3, 4, 5]]
        network.elect(5)
        network.elect(5)
        #expect(network[5].role == .leader)
        for id: NodeID in [2, 3, 4, 5] { #expect(network[id].entry(at: 2)?.term == 3) }
        #expect(network.nodes[2]!.applied.map(\.term) == [1, 3, 5])
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("once an entry of the leader's term is on a majority, earlier entries commit with it and stay (Figure 8 e)")
    func figure8CommitWithCurrentTerm() {
        var network = figure8()
        network.stabilize()
        #expect(network[1].commitIndex == 3)
        network.partition = [[1], [2, 3, 4, 5]]
        network.elect(5)
        network.elect(5)
        #expect(network[5].role != .leader)
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    // MARK: Persistence

    @Test("a restarted server remembers its term, its vote and its log (§5.1, Figure 2)")
    func restartKeepsHardState() throws {
        var network = RaftNetwork(voters: [1, 2, 3])
        network.elect(1)
        try network.propose(1, "a")
        network.stabilize()
        let before = network[2]
        network.restart(2)
        #expect(network[2].term == before.term)
        #expect(network[2].vote == before.vote)
        #expect(network[2].lastIndex == before.lastIndex)
        #expect(network[2].commitIndex == before.commitIndex)
        network.stabilize()
        #expect(network.nodes[2]!.appliedCommands == ["a"])
        #expect(network.violations.isEmpty, "\(network.violations)")
    }

    @Test("a vote is persisted before it is sent, and a restarted server does not vote twice in a term")
    func voteIsDurable() {
        var network = RaftNetwork(voters: [1, 2, 3]) { $0.preVote = false }
        network.campaign(1)
        network.processReady(1)
        network.deliver(to: 2)
        network.processReady(2)
        #expect(network.nodes[2]!.hardState.vote == 1)
        network.restart(2)
        network.withNode(2) { $0.step(Message(kind: .vote, from: 3, to: 2, term: 2, logTerm: 1, index: 1)) }
        network.processReady(2)
        #expect(network.messages(from: 2, to: 3, kind: .voteResponse).first?.reject == true)
    }
}
