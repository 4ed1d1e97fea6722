/// Splits HCL source text into ``HCLToken``s on demand, tracking line and column.
///
/// The source is held as an array of Unicode scalars, so one index step is one column. A leading
/// byte-order mark is dropped and every CRLF pair is folded into a single `\n` up front; a lone
/// `\r` is treated as blank space. Comments (`#`, `//`, `/* */`) are skipped; a line comment
/// leaves its terminating newline to be returned as a ``HCLToken/Kind/newline`` token.
struct HCLLexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1

    init(source: String) {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.utf8.count)
        for scalar in source.unicodeScalars {
            if scalar == "\n", scalars.last == "\r" {
                scalars[scalars.count - 1] = "\n"
            } else {
                scalars.append(scalar)
            }
        }
        if scalars.first == "\u{FEFF}" {
            scalars.removeFirst()
        }
        self.scalars = scalars
    }

    /// The position of the next unread scalar.
    var position: HCLPosition { HCLPosition(line: line, column: column) }

    /// Reads the next token, skipping blank space and comments before it.
    mutating func next() throws(HCLParseError) -> HCLToken {
        try skipBlankSpaceAndComments()
        let start = position
        guard let scalar = peek() else {
            return HCLToken(kind: .endOfInput, position: start)
        }
        let punctuation: HCLToken.Kind? =
            switch scalar {
            case "\n": .newline
            case "{": .leftBrace
            case "}": .rightBrace
            case "[": .leftBracket
            case "]": .rightBracket
            case "=": .equals
            case ":": .colon
            case ",": .comma
            default: nil
            }
        if let punctuation {
            advance()
            return HCLToken(kind: punctuation, position: start)
        }
        if scalar == "\"" {
            return HCLToken(kind: .quotedString(try scanQuotedString()), position: start)
        }
        if scalar == "<", peek(1) == "<" {
            return HCLToken(kind: .heredoc(try scanHeredoc()), position: start)
        }
        if Self.isDigit(scalar) || (scalar == "-" && peek(1).map(Self.isDigit) == true) {
            return HCLToken(kind: .number(try scanNumber()), position: start)
        }
        if Self.isIdentifierStart(scalar) {
            return HCLToken(kind: .identifier(scanIdentifier()), position: start)
        }
        throw HCLParseError(position: start, message: "unexpected character \(Self.describe(scalar))")
    }

    // MARK: - Cursor

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let target = index + offset
        return target < scalars.count ? scalars[target] : nil
    }

    mutating func advance() {
        guard index < scalars.count else { return }
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    mutating func advance(by count: Int) {
        for _ in 0..<count {
            advance()
        }
    }

    /// The index of the next unread scalar, for scanners that look ahead by whole lines.
    var offset: Int { index }

    /// The number of scalars in the (normalized) source.
    var endOffset: Int { scalars.count }

    /// The scalar at an absolute offset previously obtained from ``offset``.
    func scalar(at offset: Int) -> Unicode.Scalar { scalars[offset] }

    // MARK: - Blank space, comments, identifiers, numbers

    private mutating func skipBlankSpaceAndComments() throws(HCLParseError) {
        while let scalar = peek() {
            switch scalar {
            case " ", "\t", "\r":
                advance()
            case "#":
                skipToEndOfLine()
            case "/" where peek(1) == "/":
                skipToEndOfLine()
            case "/" where peek(1) == "*":
                try skipBlockComment()
            default:
                return
            }
        }
    }

    private mutating func skipToEndOfLine() {
        while let scalar = peek(), scalar != "\n" {
            advance()
        }
    }

    private mutating func skipBlockComment() throws(HCLParseError) {
        let opener = position
        advance(by: 2)
        while let scalar = peek() {
            if scalar == "*", peek(1) == "/" {
                advance(by: 2)
                return
            }
            advance()
        }
        throw HCLParseError(position: opener, message: "unterminated block comment; missing closing '*/'")
    }

    mutating func scanIdentifier() -> String {
        var name = String.UnicodeScalarView()
        while let scalar = peek(), Self.isIdentifierContinue(scalar) {
            name.append(scalar)
            advance()
        }
        return String(name)
    }

    private mutating func scanNumber() throws(HCLParseError) -> String {
        let start = position
        var text = String.UnicodeScalarView()
        var valid = true
        if peek() == "-" {
            text.append("-")
            advance()
        }
        appendDigits(to: &text)
        if peek() == "." {
            text.append(".")
            advance()
            valid = appendDigits(to: &text)
        }
        if valid, let marker = peek(), marker == "e" || marker == "E" {
            text.append(marker)
            advance()
            if let sign = peek(), sign == "+" || sign == "-" {
                text.append(sign)
                advance()
            }
            valid = appendDigits(to: &text)
        }
        if let next = peek(), next == "." || Self.isIdentifierContinue(next) {
            valid = false
        }
        guard valid else {
            while let next = peek(), next == "." || Self.isIdentifierContinue(next) {
                text.append(next)
                advance()
            }
            throw HCLParseError(position: start, message: "invalid number '\(String(text))'")
        }
        return String(text)
    }

    /// Appends a run of decimal digits; returns whether there was at least one.
    @discardableResult
    private mutating func appendDigits(to text: inout String.UnicodeScalarView) -> Bool {
        var found = false
        while let scalar = peek(), Self.isDigit(scalar) {
            text.append(scalar)
            advance()
            found = true
        }
        return found
    }

    // MARK: - Character classes

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar)
    }

    static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
        }
        return scalar.properties.isXIDStart
    }

    static func isIdentifierContinue(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return isIdentifierStart(scalar) || isDigit(scalar) || scalar == "-"
        }
        return scalar.properties.isXIDContinue
    }

    /// Names a scalar for an error message: `'x'` when printable, `U+000C` otherwise.
    static func describe(_ scalar: Unicode.Scalar) -> String {
        let printable: Bool
        if scalar.isASCII {
            printable = (0x21...0x7E).contains(scalar.value)
        } else {
            switch scalar.properties.generalCategory {
            case .control, .format, .unassigned, .privateUse, .surrogate, .spaceSeparator, .lineSeparator,
                .paragraphSeparator:
                printable = false
            default:
                printable = true
            }
        }
        if printable {
            return "'\(scalar)'"
        }
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
