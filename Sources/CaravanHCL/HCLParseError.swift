/// The single error type thrown by ``HCLParser``: what went wrong and where.
///
/// `position` is the start of the offending token; for constructs left open at the end of the
/// input (an unclosed `{` or `[`, an unterminated string, heredoc or block comment) it is the
/// position of the opener instead.
public struct HCLParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the problem was found.
    public var position: HCLPosition
    /// A lowercase, human-readable explanation, without the position.
    public var message: String

    /// Creates an error at `position` with `message`.
    public init(position: HCLPosition, message: String) {
        self.position = position
        self.message = message
    }

    /// `"line L, column C: message"`, for example `"line 3, column 14: unterminated string"`.
    public var description: String { "line \(position.line), column \(position.column): \(message)" }
}
