/// Why a regular expression did not compile, worded as Go's `regexp/syntax.Error`:
/// `error parsing regexp: <code>: `<offending text>``.
struct RegexSyntaxError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kinds of failure Go's parser reports, with Go's texts.
    enum Code: String, Sendable {
        case invalidCharacterClass = "invalid character class"
        case invalidCharacterClassRange = "invalid character class range"
        case invalidEscape = "invalid escape sequence"
        case invalidNamedCapture = "invalid named capture"
        case invalidPerlSyntax = "invalid or unsupported Perl syntax"
        case invalidNestedRepetition = "invalid nested repetition operator"
        case invalidRepeatCount = "invalid repeat count"
        case missingClosingBracket = "missing closing ]"
        case missingClosingParenthesis = "missing closing )"
        case missingRepeatArgument = "missing argument to repetition operator"
        case trailingBackslash = "trailing backslash at end of expression"
        case unexpectedParenthesis = "unexpected )"
        case nestingTooDeep = "expression nests too deeply"
        case expressionTooLarge = "expression too large"
    }

    let code: Code
    /// The part of the pattern the error is about (the whole pattern for some codes).
    let expression: String

    init(_ code: Code, _ expression: String) {
        self.code = code
        self.expression = expression
    }

    var description: String {
        "error parsing regexp: \(code.rawValue): `\(expression)`"
    }
}
