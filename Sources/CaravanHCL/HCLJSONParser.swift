/// Reads HCL's JSON syntax: a JSON object whose keys are attribute names and block types, into
/// an ``HCLBody`` of attributes (an object value stands for a block, as HCL's JSON syntax has it),
/// keeping where every key was written so that a consumer's errors can name the line.
///
/// Strict JSON (RFC 8259): no comments, no trailing commas, no bare words. A key written twice in
/// one object is refused, as ``HCLParser`` refuses an attribute defined twice. Nesting is bounded
/// by ``HCLParser/maximumNestingDepth``; every failure is an ``HCLParseError`` naming the line and
/// column of the offending character.
public enum HCLJSONParser {
    /// Parses a whole JSON document whose top level is an object.
    public static func parse(_ source: String) throws(HCLParseError) -> HCLBody {
        var reader = JSONReader(source: source)
        reader.skipBlankSpace()
        guard reader.peek() == "{" else { throw reader.error("expected '{': the top level of a JSON configuration is an object") }
        guard case .object(let items) = try reader.readValue() else { preconditionFailure("a '{' reads as an object") }
        reader.skipBlankSpace()
        if reader.peek() != nil { throw reader.error("unexpected \(reader.describeNext()) after the top-level object") }
        return HCLBody(items: items.map { .attribute(HCLAttribute(name: $0.key, value: $0.value, position: $0.position)) })
    }
}

/// The character-level reader behind ``HCLJSONParser``: Unicode scalars with line and column.
private struct JSONReader {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    private var depth = 0

    init(source: String) {
        var scalars = Array(source.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        self.scalars = scalars
    }

    var position: HCLPosition { HCLPosition(line: line, column: column) }

    func peek() -> Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    func error(_ message: String, at position: HCLPosition? = nil) -> HCLParseError {
        HCLParseError(position: position ?? self.position, message: message)
    }

    func describeNext() -> String {
        guard let scalar = peek() else { return "end of input" }
        return "'\(Character(scalar))'"
    }

    private mutating func advance() {
        guard let scalar = peek() else { return }
        index += 1
        if scalar == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
    }

    mutating func skipBlankSpace() {
        while let scalar = peek(), scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" { advance() }
    }

    private mutating func expect(_ scalar: Unicode.Scalar, _ what: String) throws(HCLParseError) {
        skipBlankSpace()
        guard peek() == scalar else { throw error("expected \(what), found \(describeNext())") }
        advance()
    }

    mutating func readValue() throws(HCLParseError) -> HCLValue {
        skipBlankSpace()
        switch peek() {
        case "{": return try readObject()
        case "[": return try readList()
        case "\"": return .string(try readString())
        case "t": return try readWord("true", .bool(true))
        case "f": return try readWord("false", .bool(false))
        case "n": return try readWord("null", .null)
        case let scalar? where scalar == "-" || ("0"..."9").contains(scalar): return .number(try readNumber())
        default: throw error("expected a value, found \(describeNext())")
        }
    }

    private mutating func enter() throws(HCLParseError) {
        depth += 1
        guard depth <= HCLParser.maximumNestingDepth else {
            throw error("nesting too deep; at most \(HCLParser.maximumNestingDepth) levels of objects and arrays")
        }
    }

    private mutating func readObject() throws(HCLParseError) -> HCLValue {
        try enter()
        let opener = position
        advance()
        var items: [HCLObjectItem] = []
        var seen: [String: HCLPosition] = [:]
        skipBlankSpace()
        if peek() == "}" {
            advance()
            depth -= 1
            return .object([])
        }
        while true {
            skipBlankSpace()
            guard peek() != nil else { throw error("unclosed '{'; expected '}' before end of input", at: opener) }
            guard peek() == "\"" else { throw error("expected a quoted object key, found \(describeNext())") }
            let keyPosition = position
            let key = try readString()
            if let first = seen[key] {
                throw error("key '\(key)' redefined; it was already defined at line \(first.line)", at: keyPosition)
            }
            seen[key] = keyPosition
            try expect(":", "':' after object key '\(key)'")
            items.append(HCLObjectItem(key: key, value: try readValue(), position: keyPosition))
            skipBlankSpace()
            switch peek() {
            case ",":
                advance()
            case "}":
                advance()
                depth -= 1
                return .object(items)
            case nil:
                throw error("unclosed '{'; expected '}' before end of input", at: opener)
            default:
                throw error("expected ',' or '}' after the value of object key '\(key)', found \(describeNext())")
            }
        }
    }

    private mutating func readList() throws(HCLParseError) -> HCLValue {
        try enter()
        let opener = position
        advance()
        var elements: [HCLValue] = []
        skipBlankSpace()
        if peek() == "]" {
            advance()
            depth -= 1
            return .list([])
        }
        while true {
            elements.append(try readValue())
            skipBlankSpace()
            switch peek() {
            case ",":
                advance()
            case "]":
                advance()
                depth -= 1
                return .list(elements)
            case nil:
                throw error("unclosed '['; expected ']' before end of input", at: opener)
            default:
                throw error("expected ',' or ']' after an array element, found \(describeNext())")
            }
        }
    }

    private mutating func readWord(_ word: String, _ value: HCLValue) throws(HCLParseError) -> HCLValue {
        let start = position
        for expected in word.unicodeScalars {
            guard peek() == expected else { throw error("expected a value, found an unknown word", at: start) }
            advance()
        }
        return value
    }

    private mutating func readDigits() -> Int {
        var count = 0
        while let scalar = peek(), ("0"..."9").contains(scalar) {
            advance()
            count += 1
        }
        return count
    }

    /// A JSON number, returned exactly as written.
    private mutating func readNumber() throws(HCLParseError) -> String {
        let start = index
        let startPosition = position
        if peek() == "-" { advance() }
        if peek() == "0" {
            advance()
        } else if readDigits() == 0 {
            throw error("malformed number", at: startPosition)
        }
        if peek() == "." {
            advance()
            guard readDigits() > 0 else { throw error("malformed number: digits must follow '.'", at: startPosition) }
        }
        if peek() == "e" || peek() == "E" {
            advance()
            if peek() == "+" || peek() == "-" { advance() }
            guard readDigits() > 0 else { throw error("malformed number: digits must follow the exponent", at: startPosition) }
        }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[start..<index])
        return String(text)
    }

    /// A quoted string with its escapes decoded; the reader is on its opening quote.
    private mutating func readString() throws(HCLParseError) -> String {
        let opener = position
        advance()
        var text = String.UnicodeScalarView()
        while true {
            guard let scalar = peek() else { throw error("unterminated string", at: opener) }
            switch scalar {
            case "\"":
                advance()
                return String(text)
            case "\\":
                let escapePosition = position
                advance()
                guard let escaped = peek() else { throw error("unterminated string", at: opener) }
                advance()
                switch escaped {
                case "\"", "\\", "/": text.append(escaped)
                case "b": text.append("\u{8}")
                case "f": text.append("\u{C}")
                case "n": text.append("\n")
                case "r": text.append("\r")
                case "t": text.append("\t")
                case "u": text.append(try readUnicodeEscape(at: escapePosition))
                default: throw error("invalid escape '\\\(Character(escaped))' in a string", at: escapePosition)
                }
            case let control where control.value < 0x20:
                throw error("a control character must be escaped in a string")
            default:
                text.append(scalar)
                advance()
            }
        }
    }

    /// The scalar of a `\uXXXX` escape (a surrogate pair takes two); the reader is past the `u`.
    private mutating func readUnicodeEscape(at start: HCLPosition) throws(HCLParseError) -> Unicode.Scalar {
        let high = try readHexQuad(at: start)
        if (0xD800...0xDBFF).contains(high) {
            guard peek() == "\\" else { throw error("a high surrogate must be followed by a low one", at: start) }
            advance()
            guard peek() == "u" else { throw error("a high surrogate must be followed by a low one", at: start) }
            advance()
            let low = try readHexQuad(at: start)
            guard (0xDC00...0xDFFF).contains(low) else { throw error("a high surrogate must be followed by a low one", at: start) }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
        }
        guard let scalar = Unicode.Scalar(high) else { throw error("a lone low surrogate in a string", at: start) }
        return scalar
    }

    private mutating func readHexQuad(at start: HCLPosition) throws(HCLParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let scalar = peek(), let digit = Character(scalar).hexDigitValue else {
                throw error("'\\u' must be followed by four hexadecimal digits", at: start)
            }
            value = value * 16 + UInt32(digit)
            advance()
        }
        return value
    }
}
