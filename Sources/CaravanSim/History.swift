/// One client operation on one key, as the client saw it: when it was invoked, when its answer
/// came (nil when it never came: a write whose fate is unknown), and what it wrote or read.
/// Times are the simulation's event sequence numbers, so no two events share one.
struct Operation: Sendable {
    enum Kind: Sendable, Equatable {
        /// Registered the node with this value.
        case write(Int)
        /// Read the node and saw this value (0: not registered).
        case read(Int)
    }

    let key: Int
    let kind: Kind
    let call: UInt64
    var answer: UInt64?
}

/// The verdict of a linearizability check.
public enum LinearizabilityVerdict: Sendable, Equatable, CustomStringConvertible {
    case linearizable
    /// No order of the operations on this key explains what the clients saw.
    case violated(key: Int)
    /// The search ran out of its step budget before deciding.
    case unknown

    public var description: String {
        switch self {
        case .linearizable: "linearizable"
        case .violated(let key): "NOT linearizable (node-\(key))"
        case .unknown: "unknown (step budget spent)"
        }
    }
}
