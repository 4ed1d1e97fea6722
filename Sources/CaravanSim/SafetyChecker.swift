import CaravanRaft

/// Raft's five safety properties, checked as the run goes: election safety (one leader per
/// term), leader append-only, log matching, leader completeness (a new leader's log holds every
/// entry any server has applied) and state machine safety (no two servers apply different
/// entries at one index). It counts every check it makes, by property.
struct SafetyChecker {
    /// The term of the entry applied at each index, by whichever server applied it first.
    private var appliedTerms: [UInt64] = [0]
    /// For each applied index, the lowest term any server was in when it applied it: the entry
    /// was committed in that term or an earlier one, so every leader of a later term holds it.
    private var committedBy: [UInt64] = [0]
    private var leaderOfTerm: [UInt64: NodeID] = [:]
    /// Each current leader's term and the last entry of its log when last looked at.
    private var leaderTails: [NodeID: (term: UInt64, index: UInt64, entryTerm: UInt64)] = [:]
    private(set) var checks = Tally()

    /// Checks the entry a server in `term` applies against what was applied at its index before.
    mutating func applied(_ entry: LogEntry, by server: NodeID, in term: UInt64) throws {
        checks.count("state machine safety")
        let index = Int(entry.index)
        if index < appliedTerms.count {
            guard appliedTerms[index] == entry.term else {
                throw SimulationFailure(
                    "state machine safety: server \(server) applies \(entry.index)/\(entry.term), another applied \(entry.index)/\(appliedTerms[index])"
                )
            }
            committedBy[index] = min(committedBy[index], term)
            return
        }
        guard index == appliedTerms.count else { throw SimulationFailure("server \(server) applies \(entry.index) before \(appliedTerms.count)") }
        appliedTerms.append(entry.term)
        committedBy.append(term)
    }

    mutating func elected(_ leader: Raft) throws {
        checks.count("election safety")
        if let other = leaderOfTerm[leader.term], other != leader.id {
            throw SimulationFailure("election safety: \(other) and \(leader.id) both lead term \(leader.term)")
        }
        leaderOfTerm[leader.term] = leader.id
        checks.count("leader completeness")
        // Entries committed in a later term than the leader's need not be in its log: a server
        // can win an old term's election late, once its held-up vote answers arrive.
        for index in 1..<appliedTerms.count where committedBy[index] < leader.term && UInt64(index) >= leader.firstIndex {
            guard let entry = leader.entry(at: UInt64(index)) else {
                throw SimulationFailure(
                    "leader completeness: leader \(leader.id) of term \(leader.term) ends at \(leader.lastIndex), \(index) was committed by term \(committedBy[index])"
                )
            }
            guard entry.term == appliedTerms[index] else {
                throw SimulationFailure(
                    "leader completeness: leader \(leader.id) of term \(leader.term) has \(index)/\(entry.term), \(index)/\(appliedTerms[index]) was committed by term \(committedBy[index])"
                )
            }
        }
    }

    /// Leader append-only: while a server leads a term, the entry that ended its log the last
    /// time is still there, unchanged (or compacted into a snapshot).
    mutating func leaderLog(_ raft: Raft) throws {
        guard raft.role == .leader else {
            leaderTails[raft.id] = nil
            return
        }
        if let tail = leaderTails[raft.id], tail.term == raft.term {
            checks.count("leader append-only")
            let compacted = tail.index < raft.firstIndex
            guard raft.lastIndex >= tail.index, compacted || raft.entry(at: tail.index)?.term == tail.entryTerm else {
                throw SimulationFailure(
                    "leader append-only: leader \(raft.id) of term \(raft.term) lost or changed entry \(tail.index)/\(tail.entryTerm)")
            }
        }
        leaderTails[raft.id] = (raft.term, raft.lastIndex, raft.lastTerm)
    }

    /// Log matching: where two logs hold an entry with the same index and term, they hold the
    /// same entries up to it.
    mutating func logsMatch(_ rafts: [Raft]) throws {
        for (position, a) in rafts.enumerated() {
            for b in rafts[(position + 1)...] {
                checks.count("log matching")
                let first = max(1, a.firstIndex, b.firstIndex)
                var index = min(a.lastIndex, b.lastIndex)
                while index >= first, a.entry(at: index)?.term != b.entry(at: index)?.term { index -= 1 }
                while index >= first {
                    guard let x = a.entry(at: index), let y = b.entry(at: index), x == y else {
                        throw SimulationFailure(
                            "log matching: servers \(a.id) and \(b.id) share an entry at or after \(index) but differ at \(index)")
                    }
                    index -= 1
                }
            }
        }
    }
}

/// Counts by kind: the invariant checks a run made, or the faults it injected.
public struct Tally: Sendable, CustomStringConvertible {
    public private(set) var byKind: [String: Int] = [:]

    mutating func count(_ kind: String, _ times: Int = 1) { byKind[kind, default: 0] += times }

    public var total: Int { byKind.values.reduce(0, +) }

    public init() {}

    public mutating func add(_ other: Tally) {
        for (kind, times) in other.byKind { count(kind, times) }
    }

    public var description: String {
        byKind.keys.sorted().map { "\($0) \(byKind[$0]!)" }.joined(separator: ", ")
    }
}
