/// Why a filter expression could not be parsed, worded the way go-bexpr's pigeon parser words it:
/// `line:column (offset): message`, where the column counts characters from 1, the offset counts
/// UTF-8 bytes from 0, and the message is either `no match found, expected: …` or
/// `rule "<rule>": <reason>`.
///
/// When parsing records several distinct reasons, `description` holds one per line, as go-bexpr
/// reports them. Nomad prefixes the text with `failed to read filter expression: `; that is the
/// caller's job.
public struct FilterParseError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Where the first reported problem is.
    public let line: Int
    public let column: Int
    public let offset: Int
    /// Every reported problem, each already prefixed with its position.
    public let description: String

    init(diagnostics: [ParseDiagnostic]) {
        let first = diagnostics[0]
        line = first.position.line
        column = first.position.column
        offset = first.position.offset
        description = diagnostics.map(\.text).joined(separator: "\n")
    }
}

/// One problem found while parsing, at a position of the input.
struct ParseDiagnostic: Equatable {
    let position: SourcePosition
    let message: String

    var text: String { "\(position.line):\(position.column) (\(position.offset)): \(message)" }
}

/// A place in the input the way pigeon counts it: a newline belongs to the line it starts (column 0),
/// the character after it is column 1, and the end of input is one column past the last character.
struct SourcePosition: Equatable {
    let line: Int
    let column: Int
    let offset: Int

    init(scalarIndex: Int, in scalars: [Unicode.Scalar]) {
        var line = 1
        var column = 0
        var offset = 0
        for index in 0...min(scalarIndex, scalars.count) {
            column += 1
            guard index < scalars.count else { break }
            if scalars[index] == "\n" {
                line += 1
                column = 0
            }
            if index < scalarIndex { offset += UTF8.width(scalars[index]) }
        }
        self.line = line
        self.column = column
        self.offset = offset
    }
}
