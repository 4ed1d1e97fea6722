import CaravanRaft

/// Raft's safety properties, checked as the run goes: election safety (one leader per term),
/// state machine safety (no two servers apply different entries at one index) and leader
/// completeness (a new leader's log holds every entry any server has applied).
struct SafetyChecker {
    /// The term of the entry applied at each index, by whichever server applied it first.
    private var appliedTerms: [UInt64] = [0]
    private var leaderOfTerm: [UInt64: NodeID] = [:]
    private(set) var checks = 0

    mutating func applied(_ entry: LogEntry, by server: NodeID) throws {
        checks += 1
        let index = Int(entry.index)
        if index < appliedTerms.count {
            guard appliedTerms[index] == entry.term else {
                throw SimulationFailure(
                    description:
                        "state machine safety: server \(server) applies \(entry.index)/\(entry.term), another applied \(entry.index)/\(appliedTerms[index])"
                )
            }
        } else if index == appliedTerms.count {
            appliedTerms.append(entry.term)
        } else {
            throw SimulationFailure(description: "server \(server) applies \(entry.index) before \(appliedTerms.count)")
        }
    }

    mutating func elected(_ leader: Raft) throws {
        checks += 2
        if let other = leaderOfTerm[leader.term], other != leader.id {
            throw SimulationFailure(description: "election safety: \(other) and \(leader.id) both lead term \(leader.term)")
        }
        leaderOfTerm[leader.term] = leader.id
        let applied = UInt64(appliedTerms.count - 1)
        guard leader.lastIndex >= applied else {
            throw SimulationFailure(
                description: "leader completeness: leader \(leader.id) of term \(leader.term) ends at \(leader.lastIndex), \(applied) is applied")
        }
        for index in stride(from: applied, to: 0, by: -1) {
            guard let entry = leader.entry(at: index) else { break }
            guard entry.term == appliedTerms[Int(index)] else {
                throw SimulationFailure(
                    description:
                        "leader completeness: leader \(leader.id) of term \(leader.term) has \(index)/\(entry.term), \(index)/\(appliedTerms[Int(index)]) was applied"
                )
            }
        }
    }
}
