/// A recursive-descent parser for go-bexpr's PEG grammar that reports failures the way pigeon does.
///
/// Pigeon remembers, for the farthest input position any rule failed at, every terminal it tried
/// there; when the parse fails without a rule having raised an error, that set becomes
/// `no match found, expected: …`. This parser tries the same terminals at the same positions (it
/// skips pigeon's re-parses of identical alternatives, which change neither the result nor the set),
/// so its messages name the same positions and expectations. Errors raised by rules (an unterminated
/// string, unmatched parentheses) win over the expectation list, as in pigeon.
///
/// Unlike pigeon it runs in linear time, and it refuses nesting deeper than `maximumDepth`.
struct FilterParser {
    static let maximumDepth = 100
    static let maximumLength = 1 << 20

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var depth = 0
    private var farthest = 0
    private var expected: Set<String> = []
    private var diagnostics: [ParseDiagnostic] = []
    /// Above zero while trying Caravan's ordering operators, which go-bexpr does not have: their
    /// failures stay out of the expectation list so error texts match Nomad's.
    private var unlisted = 0

    private init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    static func parse(_ text: String) throws(FilterParseError) -> FilterSyntax {
        guard text.utf8.count <= maximumLength else {
            let diagnostic = ParseDiagnostic(
                position: SourcePosition(scalarIndex: 0, in: []),
                message: "filter expression is \(text.utf8.count) bytes, more than the \(maximumLength) allowed")
            throw FilterParseError(diagnostics: [diagnostic])
        }
        var parser = FilterParser(text)
        let syntax = try parser.parseInput()
        if !parser.diagnostics.isEmpty { throw FilterParseError(diagnostics: parser.diagnostics) }
        guard let syntax else { throw FilterParseError(diagnostics: [parser.noMatchDiagnostic()]) }
        return syntax
    }

    // MARK: Rules

    private mutating func parseInput() throws(FilterParseError) -> FilterSyntax? {
        whitespace()
        guard let expression = try parseOr() else { return nil }
        whitespace()
        guard endOfInput() else { return nil }
        return expression
    }

    private mutating func parseOr() throws(FilterParseError) -> FilterSyntax? {
        let start = index
        guard let first = try parseAnd() else {
            index = start
            return try parseQuantified()
        }
        var operands = [first]
        while true {
            let beforeKeyword = index
            guard whitespace(), literal("or"), whitespace() else {
                index = beforeKeyword
                break
            }
            let operandStart = index
            if let next = try parseAnd() {
                operands.append(next)
                continue
            }
            index = operandStart
            if let quantified = try parseQuantified() {
                operands.append(quantified)
            } else {
                index = beforeKeyword
            }
            break
        }
        return operands.count == 1 ? first : .or(operands)
    }

    private mutating func parseAnd() throws(FilterParseError) -> FilterSyntax? {
        guard let first = try parseNot() else { return nil }
        var operands = [first]
        while true {
            let beforeKeyword = index
            guard whitespace(), literal("and"), whitespace() else {
                index = beforeKeyword
                break
            }
            guard let next = try parseNot() else {
                index = beforeKeyword
                break
            }
            operands.append(next)
        }
        return operands.count == 1 ? first : .and(operands)
    }

    /// `not` binds tighter than `and`; a word `not` that no operand follows is a selector named `not`.
    private mutating func parseNot() throws(FilterParseError) -> FilterSyntax? {
        var operandStarts = [index]
        while true {
            let start = index
            guard literal("not"), whitespace() else {
                index = start
                break
            }
            operandStarts.append(index)
        }
        for negations in operandStarts.indices.reversed() {
            index = operandStarts[negations]
            if let operand = try parseGrouping() {
                return negations.isMultiple(of: 2) ? operand : .not(operand)
            }
        }
        return nil
    }

    private mutating func parseGrouping() throws(FilterParseError) -> FilterSyntax? {
        let start = index
        guard literal("(") else { return try parseMatch() }
        try enterNesting(at: start)
        defer { depth -= 1 }
        whitespace()
        guard let inner = try parseOr() else {
            index = start
            return nil
        }
        whitespace()
        if literal(")") { return inner }
        raise("Unmatched parentheses", rule: "grouping")
        index = start
        return nil
    }

    private mutating func parseMatch() throws(FilterParseError) -> FilterSyntax? {
        let start = index
        if let selector = try parseSelector() {
            let afterSelector = index
            if let op = comparisonOperator(), let value = try parseValue() {
                return .match(MatchSyntax(selector: selector, op: op, value: value))
            }
            index = afterSelector
            if let op = predicateOperator() {
                return .match(MatchSyntax(selector: selector, op: op, value: nil))
            }
        }
        index = start
        if let value = try parseValue(), let op = membershipOperator() {
            let afterOperator = index
            if let selector = try parseSelector() {
                return .match(MatchSyntax(selector: selector, op: op, value: value))
            }
            index = afterOperator
            raise("Invalid selector", rule: "match")
        }
        index = start
        return nil
    }

    private mutating func parseQuantified() throws(FilterParseError) -> FilterSyntax? {
        let start = index
        let quantifier: QuantifiedSyntax.Quantifier
        if literal("any"), whitespace() {
            quantifier = .any
        } else {
            index = start
            guard literal("all"), whitespace() else {
                index = start
                return nil
            }
            quantifier = .all
        }
        guard let selector = try parseSelector(), whitespace(), literal("as"), whitespace(),
            let binding = parseBinding()
        else {
            index = start
            return nil
        }
        whitespace()
        let brace = index
        guard literal("{") else {
            index = start
            return nil
        }
        try enterNesting(at: brace)
        defer { depth -= 1 }
        whitespace()
        guard let body = try parseOr() else {
            index = start
            return nil
        }
        whitespace()
        guard literal("}") else {
            index = start
            return nil
        }
        return .quantified(QuantifiedSyntax(quantifier: quantifier, selector: selector, binding: binding, body: body))
    }

    private mutating func parseBinding() -> QuantifiedSyntax.Binding? {
        let start = index
        if let first = identifier() {
            let afterFirst = index
            whitespace()
            if literal(",") {
                whitespace()
                let secondStart = index
                if let second = identifier() { return .indexAndValue(first, second) }
                index = secondStart
                if literal("_") { return .index(first) }
            }
            index = afterFirst
            _ = literal("_", at: start)
            return .single(first)
        }
        index = start
        if literal("_") {
            whitespace()
            if literal(",") {
                whitespace()
                if let second = identifier() { return .value(second) }
            }
        }
        index = start
        _ = identifier()
        index = start
        return nil
    }

    // MARK: Operators

    private mutating func comparisonOperator() -> MatchOperator? {
        if spacedSymbol("==") { return .equal }
        if spacedSymbol("!=") { return .notEqual }
        if let ordering = orderingOperator() { return ordering }
        if keywords(["contains"], trailingSpace: true) { return .contains }
        if keywords(["not", "contains"], trailingSpace: true) { return .notContains }
        if keywords(["matches"], trailingSpace: true) { return .matches }
        if keywords(["not", "matches"], trailingSpace: true) { return .notMatches }
        return nil
    }

    /// Caravan's addition to go-bexpr: `<`, `<=`, `>`, `>=`, kept out of the expectation list.
    private mutating func orderingOperator() -> MatchOperator? {
        unlisted += 1
        defer { unlisted -= 1 }
        let operators: [(String, MatchOperator)] = [("<=", .lessOrEqual), ("<", .less), (">=", .greaterOrEqual), (">", .greater)]
        return operators.first { spacedSymbol($0.0) }?.1
    }

    private mutating func predicateOperator() -> MatchOperator? {
        if keywords(["is", "empty"], trailingSpace: false) { return .isEmpty }
        if keywords(["is", "not", "empty"], trailingSpace: false) { return .isNotEmpty }
        if keywords(["is", "nil"], trailingSpace: false) { return .isNil }
        if keywords(["is", "not", "nil"], trailingSpace: false) { return .isNotNil }
        return nil
    }

    private mutating func membershipOperator() -> MatchOperator? {
        if keywords(["in"], trailingSpace: true) { return .contains }
        if keywords(["not", "in"], trailingSpace: true) { return .notContains }
        return nil
    }

    /// `_? symbol _?`
    private mutating func spacedSymbol(_ symbol: String) -> Bool {
        let start = index
        whitespace()
        guard literal(symbol) else {
            index = start
            return false
        }
        whitespace()
        return true
    }

    /// `_ word _ word …`, with a final `_` when `trailingSpace`.
    private mutating func keywords(_ words: [String], trailingSpace: Bool) -> Bool {
        let start = index
        for word in words {
            guard whitespace(), literal(word) else {
                index = start
                return false
            }
        }
        if trailingSpace, !whitespace() {
            index = start
            return false
        }
        return true
    }

    // MARK: Selectors and values

    private mutating func parseSelector() throws(FilterParseError) -> SelectorSyntax? {
        let start = index
        if let first = identifier() {
            var path = [first]
            while let part = try selectorPart() { path.append(part) }
            return SelectorSyntax(form: .dotted, path: path)
        }
        guard literal("\"") else { return nil }
        var segments: [String] = []
        while let segment = pointerSegment() { segments.append(segment) }
        guard literal("\"") else {
            index = start
            return nil
        }
        return SelectorSyntax(form: .pointer, path: Self.unescapedPointer(segments))
    }

    /// `.Identifier`, `["key"]` or `.123` after a selector's first name.
    private mutating func selectorPart() throws(FilterParseError) -> String? {
        let start = index
        if literal("."), let name = identifier() { return name }
        index = start
        if literal("[") {
            whitespace()
            guard let key = try parseStringLiteral() else {
                raise("Invalid index", rule: "index")
                index = start
                _ = literal(".")
                return nil
            }
            whitespace()
            if literal("]") { return key }
            raise("Unclosed index expression", rule: "index")
            index = start
            _ = literal(".")
            return nil
        }
        if literal(".") {
            let digitsStart = index
            if characters(Self.isDigit, want: "[0-9]", atLeastOne: true) { return text(from: digitsStart) }
        }
        index = start
        return nil
    }

    private mutating func pointerSegment() -> String? {
        let start = index
        guard literal("/") else { return nil }
        let segmentStart = index
        guard characters(Self.isPointerCharacter, want: "[\\pL\\pN-_.~:|]", atLeastOne: true) else {
            index = start
            return nil
        }
        return text(from: segmentStart)
    }

    /// JSON pointer segments after RFC 6901 unescaping (`~1` is `/`, `~0` is `~`), as pointerstructure parses them.
    private static func unescapedPointer(_ segments: [String]) -> [String] {
        guard !segments.isEmpty else { return [""] }
        return segments.map { $0.replacing("~1", with: "/").replacing("~0", with: "~") }
    }

    private mutating func identifier() -> String? {
        let start = index
        guard characters(Self.isLetter, want: "[a-zA-Z]", atLeastOne: true, atMostOne: true) else { return nil }
        _ = characters(Self.isIdentifierCharacter, want: "[a-zA-Z0-9_/]", atLeastOne: false)
        return text(from: start)
    }

    /// A selector (standing for its own text), a number, or a string; returns the raw text go-bexpr
    /// coerces to the field's type when it evaluates.
    private mutating func parseValue() throws(FilterParseError) -> String? {
        let start = index
        if let selector = try parseSelector() { return selector.text }
        index = start
        if let number = parseNumber() { return number }
        index = start
        return try parseStringLiteral()
    }

    private mutating func parseNumber() -> String? {
        let start = index
        _ = literal("-")
        if literal("0") {
        } else if characters(Self.isNonZeroDigit, want: "[1-9]", atLeastOne: true, atMostOne: true) {
            _ = characters(Self.isDigit, want: "[0-9]", atLeastOne: false)
        } else {
            index = start
            return nil
        }
        let beforeFraction = index
        if literal("."), !characters(Self.isDigit, want: "[0-9]", atLeastOne: true) {
            index = beforeFraction
        }
        let number = text(from: start)
        guard numberIsFollowedByDelimiter() else {
            raise("Invalid number literal", rule: "number")
            index = start
            return nil
        }
        return number
    }

    /// `&(_ / EOF / ")")`
    private mutating func numberIsFollowedByDelimiter() -> Bool {
        let start = index
        defer { index = start }
        return whitespace() || endOfInput() || literal(")")
    }

    /// A double-quoted Go string (escapes interpreted) or a backquoted raw string.
    private mutating func parseStringLiteral() throws(FilterParseError) -> String? {
        let start = index
        let quote: Unicode.Scalar
        if literal("`") {
            quote = "`"
        } else if literal("\"") {
            quote = "\""
        } else {
            return nil
        }
        while index < scalars.count, scalars[index] != quote { index += 1 }
        guard index < scalars.count else {
            fail(quote == "`" ? "\"`\"" : "\"\\\"\"", at: index)
            fail(".", at: index)
            raise("Unterminated string literal", rule: "string")
            index = start
            return nil
        }
        index += 1
        let body = String(String.UnicodeScalarView(scalars[(start + 1)..<(index - 1)]))
        if quote == "`" { return body.replacing("\r", with: "") }
        guard let value = GoStringLiteral.unquote(body) else {
            raise("invalid syntax", rule: "string", at: start)
            return ""
        }
        return value
    }

    // MARK: Terminals

    private mutating func enterNesting(at position: Int) throws(FilterParseError) {
        guard depth < Self.maximumDepth else {
            let diagnostic = ParseDiagnostic(
                position: SourcePosition(scalarIndex: position, in: scalars),
                message: "expression nests deeper than \(Self.maximumDepth) levels")
            throw FilterParseError(diagnostics: [diagnostic])
        }
        depth += 1
    }

    private mutating func literal(_ word: String, at position: Int? = nil) -> Bool {
        let start = position ?? index
        var cursor = start
        for scalar in word.unicodeScalars {
            guard cursor < scalars.count, scalars[cursor] == scalar else {
                fail("\"" + word.replacing("\"", with: "\\\"") + "\"", at: start)
                return false
            }
            cursor += 1
        }
        if position == nil { index = cursor }
        return true
    }

    /// `[ \t\r\n]+`, also used for `_?`: true when it consumed anything.
    @discardableResult
    private mutating func whitespace() -> Bool {
        characters(Self.isWhitespace, want: "[ \\t\\r\\n]", atLeastOne: true)
    }

    private mutating func endOfInput() -> Bool {
        guard index == scalars.count else {
            fail("!.", at: index)
            return false
        }
        return true
    }

    /// Consumes a run of characters of one class, recording the class as expected where the run stops.
    private mutating func characters(
        _ isMember: (Unicode.Scalar) -> Bool, want: String, atLeastOne: Bool, atMostOne: Bool = false
    ) -> Bool {
        let start = index
        while index < scalars.count, isMember(scalars[index]) {
            index += 1
            if atMostOne { return true }
        }
        fail(want, at: index)
        return !atLeastOne || index > start
    }

    private func text(from start: Int) -> String {
        String(String.UnicodeScalarView(scalars[start..<index]))
    }

    private mutating func fail(_ want: String, at position: Int) {
        guard unlisted == 0, position >= farthest else { return }
        if position > farthest {
            farthest = position
            expected.removeAll(keepingCapacity: true)
        }
        expected.insert(want)
    }

    private mutating func raise(_ reason: String, rule: String, at position: Int? = nil) {
        let diagnostic = ParseDiagnostic(
            position: SourcePosition(scalarIndex: position ?? index, in: scalars), message: "rule \"\(rule)\": \(reason)")
        if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
    }

    private func noMatchDiagnostic() -> ParseDiagnostic {
        var wants = expected.subtracting(["!."]).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        if expected.contains("!.") { wants.append("EOF") }
        let list: String
        if wants.count > 1 {
            list = wants.dropLast().joined(separator: ", ") + " or " + wants[wants.count - 1]
        } else {
            list = wants.first ?? ""
        }
        return ParseDiagnostic(
            position: SourcePosition(scalarIndex: farthest, in: scalars), message: "no match found, expected: \(list)")
    }

    // MARK: Character classes

    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    private static func isNonZeroDigit(_ scalar: Unicode.Scalar) -> Bool { ("1"..."9").contains(scalar) }

    private static func isIdentifierCharacter(_ scalar: Unicode.Scalar) -> Bool {
        isLetter(scalar) || isDigit(scalar) || scalar == "_" || scalar == "/"
    }

    private static func isPointerCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return "-_.~:|".unicodeScalars.contains(scalar)
        }
    }
}
