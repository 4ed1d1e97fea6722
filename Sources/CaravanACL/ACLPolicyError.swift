public import CaravanHCL

/// Why a policy's rules were refused: a syntax error, or a rule Nomad would not accept. Names the
/// line and column when the rules are HCL.
public struct ACLPolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    public var position: HCLPosition?
    public var message: String

    public init(_ message: String, at position: HCLPosition? = nil) {
        self.position = position
        self.message = message
    }

    public var description: String {
        guard let position else { return message }
        return "line \(position.line), column \(position.column): \(message)"
    }
}
