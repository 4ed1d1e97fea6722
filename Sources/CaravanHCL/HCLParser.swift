/// The entry point: turns HCL native-syntax source text into an ``HCLBody``.
///
/// Supported: attributes and blocks (with bare or quoted labels, nested, empty or on one line),
/// several attributes on one line separated by blank space, and literal values (see ``HCLValue``).
/// A bare identifier used as a value, other than `true`, `false` and `null`, is rejected with an
/// "unsupported expression" error, because variable references, function calls and operators are
/// not evaluated; inside string templates they are kept as text instead.
///
/// Parsing never traps and never recurses deeper than ``maximumNestingDepth`` blocks, lists and
/// objects; every failure is an ``HCLParseError`` naming the line and column of the offending token.
public enum HCLParser {
    /// How many blocks, lists and objects may be nested inside one another.
    public static let maximumNestingDepth = 100

    /// Parses a whole file (or policy) and returns its top-level body.
    public static func parse(_ source: String) throws(HCLParseError) -> HCLBody {
        var parser = try HCLSyntaxParser(source: source)
        return try parser.parseFile()
    }
}

/// The recursive-descent parser behind ``HCLParser``, one token of lookahead over ``HCLLexer``.
struct HCLSyntaxParser {
    private var lexer: HCLLexer
    private var token: HCLToken
    private var depth = 0

    init(source: String) throws(HCLParseError) {
        lexer = HCLLexer(source: source)
        token = try lexer.next()
    }

    mutating func parseFile() throws(HCLParseError) -> HCLBody {
        try parseBody(opener: nil)
    }

    // MARK: - Bodies

    /// Parses items up to the `}` matching `opener` (consumed), or to the end of input when `opener` is nil.
    private mutating func parseBody(opener: HCLPosition?) throws(HCLParseError) -> HCLBody {
        var items: [HCLBodyItem] = []
        var attributePositions: [String: HCLPosition] = [:]
        while true {
            try skipNewlines()
            switch token.kind {
            case .endOfInput:
                if let opener {
                    throw HCLParseError(position: opener, message: "unclosed '{'; expected '}' before end of input")
                }
                return HCLBody(items: items)
            case .rightBrace:
                guard opener != nil else {
                    throw HCLParseError(position: token.position, message: "unexpected '}' with no matching '{'")
                }
                try advance()
                return HCLBody(items: items)
            case .identifier(let name):
                let position = token.position
                try advance()
                let item = try parseItem(name: name, position: position)
                if case .attribute = item {
                    if let first = attributePositions[name] {
                        throw HCLParseError(
                            position: position,
                            message: "attribute '\(name)' redefined; it was already defined at line \(first.line)")
                    }
                    attributePositions[name] = position
                }
                items.append(item)
            default:
                throw unexpected(expecting: "an attribute name or block type")
            }
        }
    }

    /// Parses the rest of an attribute or block whose first identifier has been read.
    private mutating func parseItem(name: String, position: HCLPosition) throws(HCLParseError) -> HCLBodyItem {
        if token.kind == .equals {
            try advance()
            let value = try parseValue()
            try expectItemEnd(after: "the value of attribute '\(name)'")
            return .attribute(HCLAttribute(name: name, value: value, position: position))
        }
        var labels: [String] = []
        while true {
            switch token.kind {
            case .identifier(let label), .quotedString(let label):
                labels.append(label)
                try advance()
            case .leftBrace:
                let opener = token.position
                try enter(at: opener)
                try advance()
                let body = try parseBody(opener: opener)
                depth -= 1
                try expectItemEnd(after: "block '\(name)'")
                return .block(HCLBlock(type: name, labels: labels, body: body, position: position))
            default:
                if labels.isEmpty {
                    throw unexpected(expecting: "'=' or '{' after '\(name)'")
                }
                throw unexpected(expecting: "a block label or '{' after the labels of block '\(name)'")
            }
        }
    }

    /// Accepts what may follow a complete item: a newline, the end of input, the closing `}` of
    /// the enclosing block, or the name of another item on the same line.
    private mutating func expectItemEnd(after what: String) throws(HCLParseError) {
        switch token.kind {
        case .newline:
            try advance()
        case .endOfInput, .rightBrace, .identifier:
            return
        default:
            throw unexpected(expecting: "a newline after \(what)")
        }
    }

    // MARK: - Values

    private mutating func parseValue() throws(HCLParseError) -> HCLValue {
        switch token.kind {
        case .quotedString(let text), .heredoc(let text):
            try advance()
            return .string(text)
        case .number(let text):
            try advance()
            return .number(text)
        case .identifier("true"):
            try advance()
            return .bool(true)
        case .identifier("false"):
            try advance()
            return .bool(false)
        case .identifier("null"):
            try advance()
            return .null
        case .identifier(let name):
            throw HCLParseError(
                position: token.position,
                message: "unsupported expression '\(name)'; only literal values are supported, "
                    + "not variable references, function calls or operators")
        case .leftBracket:
            return try parseList()
        case .leftBrace:
            return try parseObject()
        default:
            throw unexpected(expecting: "a value")
        }
    }

    private mutating func parseList() throws(HCLParseError) -> HCLValue {
        let opener = token.position
        try enter(at: opener)
        try advance()
        var elements: [HCLValue] = []
        while true {
            try skipNewlines()
            switch token.kind {
            case .rightBracket:
                try advance()
                depth -= 1
                return .list(elements)
            case .endOfInput:
                throw unclosed("[", at: opener, closer: "]")
            default:
                elements.append(try parseValue())
            }
            try skipNewlines()
            switch token.kind {
            case .comma:
                try advance()
            case .rightBracket:
                continue
            case .endOfInput:
                throw unclosed("[", at: opener, closer: "]")
            default:
                throw unexpected(expecting: "',' or ']' after a list element")
            }
        }
    }

    private mutating func parseObject() throws(HCLParseError) -> HCLValue {
        let opener = token.position
        try enter(at: opener)
        try advance()
        var items: [HCLObjectItem] = []
        while true {
            try skipNewlines()
            let key: String
            let position = token.position
            switch token.kind {
            case .rightBrace:
                try advance()
                depth -= 1
                return .object(items)
            case .endOfInput:
                throw unclosed("{", at: opener, closer: "}")
            case .identifier(let name), .quotedString(let name):
                key = name
                try advance()
            default:
                throw unexpected(expecting: "an object key")
            }
            guard token.kind == .equals || token.kind == .colon else {
                throw unexpected(expecting: "'=' or ':' after object key '\(key)'")
            }
            try advance()
            items.append(HCLObjectItem(key: key, value: try parseValue(), position: position))
            switch token.kind {
            case .comma, .newline:
                try advance()
            case .rightBrace:
                continue
            case .endOfInput:
                throw unclosed("{", at: opener, closer: "}")
            default:
                throw unexpected(expecting: "',', a newline or '}' after the value of object key '\(key)'")
            }
        }
    }

    // MARK: - Helpers

    private mutating func advance() throws(HCLParseError) {
        token = try lexer.next()
    }

    private mutating func skipNewlines() throws(HCLParseError) {
        while token.kind == .newline {
            try advance()
        }
    }

    /// Counts one more level of nesting for the opener at `position`, failing past the limit.
    private mutating func enter(at position: HCLPosition) throws(HCLParseError) {
        depth += 1
        if depth > HCLParser.maximumNestingDepth {
            throw HCLParseError(
                position: position,
                message: "nesting too deep; at most \(HCLParser.maximumNestingDepth) levels of blocks, lists and objects")
        }
    }

    private func unexpected(expecting expected: String) -> HCLParseError {
        let message =
            token.kind == .endOfInput
            ? "unexpected end of input; expected \(expected)"
            : "expected \(expected), found \(token.summary)"
        return HCLParseError(position: token.position, message: message)
    }

    private func unclosed(_ opener: String, at position: HCLPosition, closer: String) -> HCLParseError {
        HCLParseError(position: position, message: "unclosed '\(opener)'; expected '\(closer)' before end of input")
    }
}
