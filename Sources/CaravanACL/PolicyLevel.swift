/// The level a `plugin`, `node`, `agent` or `operator` rule grants. When several policies name
/// the same block, the strongest level wins, and `deny` is the strongest of all.
public enum PolicyLevel: Int, Comparable, Sendable, Hashable, CustomStringConvertible {
    /// Plugins only: list them, not read one.
    case list = 1
    case read = 2
    case write = 3
    case deny = 4

    public init?(_ text: String) {
        switch text {
        case "list": self = .list
        case "read": self = .read
        case "write": self = .write
        case "deny": self = .deny
        default: return nil
        }
    }

    public static func < (a: PolicyLevel, b: PolicyLevel) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .list: "list"
        case .read: "read"
        case .write: "write"
        case .deny: "deny"
        }
    }
}
