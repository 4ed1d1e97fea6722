/// A leader's read-index requests waiting for a heartbeat round to confirm it still leads
/// (thesis §6.4). Each gets a sequence number; a heartbeat carries the newest one, and a
/// follower's answer to it confirms every request up to it.
struct ReadIndexQueue: Sendable {
    struct Request: Sendable {
        /// Who asked (the leader itself or a follower) and their request ID.
        var from: NodeID
        var requestID: UInt64
        /// The commit index when the request arrived: what the read must wait for.
        var index: UInt64
        var sequence: UInt64
        var acknowledged: Set<NodeID>
    }

    private(set) var pending: [Request] = []
    private(set) var lastSequence: UInt64 = 0

    mutating func add(from: NodeID, requestID: UInt64, index: UInt64, leader: NodeID) -> UInt64 {
        lastSequence += 1
        pending.append(Request(from: from, requestID: requestID, index: index, sequence: lastSequence, acknowledged: [leader]))
        return lastSequence
    }

    /// Records that `voter` answered a heartbeat carrying `sequence`, and returns the requests a
    /// quorum has now confirmed, oldest first.
    mutating func acknowledge(_ sequence: UInt64, from voter: NodeID, quorum: Int, voters: Set<NodeID>) -> [Request] {
        guard voters.contains(voter) else { return [] }
        for position in pending.indices where pending[position].sequence <= sequence {
            pending[position].acknowledged.insert(voter)
        }
        var released: [Request] = []
        while let first = pending.first, first.acknowledged.intersection(voters).count >= quorum {
            released.append(pending.removeFirst())
        }
        return released
    }

    mutating func reset() { pending = [] }
}
