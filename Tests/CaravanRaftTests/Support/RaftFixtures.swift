@testable import CaravanRaft

/// Builders for single raft cores in a chosen state, for tests that step messages into one
/// server and look at what it sends back (the pattern of etcd's raft_paper_test.go).
extension Raft {
    /// A server of a cluster of `voters` whose log holds one entry per element of `terms`, from
    /// index 1, with that term. The configuration comes from a snapshot at
    /// index 0, so indexes match the paper's figures.
    static func fixture(
        id: NodeID, voters: [NodeID], terms: [UInt64] = [], term: UInt64? = nil, vote: NodeID = 0,
        commit: UInt64 = 0, configure: (inout RaftOptions) -> Void = { _ in }
    ) -> Raft {
        var options = RaftNetwork.options(id)
        options.preVote = false
        options.checkQuorum = false
        configure(&options)
        let configuration = RaftNetwork.configuration(voters: voters)
        let snapshot = RaftSnapshot(metadata: RaftSnapshotMetadata(index: 0, term: 0, configuration: configuration), data: [])
        let entries = terms.enumerated().map { LogEntry(index: UInt64($0.offset + 1), term: $0.element, data: []) }
        let hardState = HardState(term: term ?? terms.last ?? 0, vote: vote, commit: commit)
        return Raft(options: options, hardState: hardState, snapshot: snapshot, entries: entries)
    }

    /// Runs the Ready loop with nothing else happening (persisting and applying are no-ops)
    /// until the core has nothing more to hand out, and returns the messages it sent.
    mutating func drain() -> [Message] {
        var messages: [Message] = []
        for _ in 0..<100 where hasReady {
            let ready = ready()
            messages += ready.messages
            advance(ready)
        }
        return messages
    }

    /// Becomes leader through an election in which every other voter grants its vote.
    mutating func becomeLeaderForTest() {
        campaign()
        for voter in configuration.voters where voter != id && role == .preCandidate {
            step(Message(kind: .preVoteResponse, from: voter, to: id, term: term + 1))
        }
        for voter in configuration.voters where voter != id && role == .candidate {
            step(Message(kind: .voteResponse, from: voter, to: id, term: term))
        }
    }

    /// Ticks `count` times.
    mutating func tick(_ count: Int) {
        for _ in 0..<count { tick() }
    }

    /// The log's entries from `from` to the end.
    func entries(from: UInt64 = 1) -> [LogEntry] {
        let from = max(from, firstIndex)
        guard from <= lastIndex else { return [] }
        return (from...lastIndex).compactMap { entry(at: $0) }
    }

    /// The terms of the log's entries from index 1 (for comparing with the paper's figures).
    var logTerms: [UInt64] { entries().map(\.term) }
}

extension Message {
    /// An AppendEntries from `from` at `term` after `index`/`logTerm`, carrying entries with
    /// the given terms.
    static func append(
        from: NodeID, to: NodeID, term: UInt64, logTerm: UInt64, index: UInt64, entryTerms: [UInt64] = [], commit: UInt64 = 0
    ) -> Message {
        let entries = entryTerms.enumerated().map { LogEntry(index: index + 1 + UInt64($0.offset), term: $0.element, data: []) }
        return Message(kind: .append, from: from, to: to, term: term, logTerm: logTerm, index: index, entries: entries, commit: commit)
    }
}
