/// Parses a regular expression in Go's RE2 syntax (with Go's default `regexp.Compile` flags: Perl
/// classes and flags, `^`/`$` at the text's ends unless `(?m)`, Unicode `\p` classes) into a
/// `RegexNode`, reporting errors with Go's codes and offending text. Groups are kept on an explicit
/// stack, so nesting depth costs no recursion; it is limited to 1000 as Go limits its tree's height.
struct RegexParser {
    /// Go's limit on `{n,m}` counts, and on the product of nested counts.
    static let maximumRepeatCount = 1000
    static let maximumNesting = 1000

    /// The flags a group can set: `i`, `m`, `s` (`U` is accepted; it changes only which match is
    /// preferred, never whether there is one).
    private struct Flags {
        var foldsCase = false
        var multiLine = false
        var dotMatchesNewline = false
    }

    /// An open group: the branches parsed so far and the flags to restore when it closes.
    private struct Group {
        var branches: [[RegexNode]] = [[]]
        let outerFlags: Flags
    }

    private let source: String
    private let scalars: [Unicode.Scalar]
    private var position = 0
    private var flags = Flags()
    private var groups: [Group]

    static func parse(_ source: String) throws(RegexSyntaxError) -> RegexNode {
        var parser = RegexParser(source)
        return try parser.parseExpression()
    }

    private init(_ source: String) {
        self.source = source
        self.scalars = Array(source.unicodeScalars)
        self.groups = [Group(outerFlags: Flags())]
    }

    private func text(_ range: Range<Int>) -> String {
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[range])
        return String(result)
    }

    private func scalar(at index: Int) -> Unicode.Scalar? {
        index < scalars.count ? scalars[index] : nil
    }

    private mutating func append(_ node: RegexNode) {
        groups[groups.count - 1].branches[groups[groups.count - 1].branches.count - 1].append(node)
    }

    private mutating func parseExpression() throws(RegexSyntaxError) -> RegexNode {
        var previousRepeatStart: Int?
        while position < scalars.count {
            var repeatStart: Int?
            let start = position
            switch scalars[position] {
            case "(":
                try openGroup()
            case "|":
                groups[groups.count - 1].branches.append([])
                position += 1
            case ")":
                try closeGroup()
            case "^":
                append(.assertion(flags.multiLine ? .beginningOfLine : .beginningOfText))
                position += 1
            case "$":
                append(.assertion(flags.multiLine ? .endOfLine : .endOfText))
                position += 1
            case ".":
                append(.anyScalar(matchesNewline: flags.dotMatchesNewline))
                position += 1
            case "[":
                append(.characterClass(try parseBracketClass()))
            case "*", "+", "?":
                let (minimum, maximum): (Int, Int?) =
                    switch scalars[position] {
                    case "*": (0, nil)
                    case "+": (1, nil)
                    default: (0, 1)
                    }
                position += 1
                try repeatLast(minimum: minimum, maximum: maximum, counted: false, from: start, after: previousRepeatStart)
                repeatStart = start
            case "{":
                guard let counts = parseRepeatCounts(from: start) else {
                    append(literal("{"))
                    position += 1
                    break
                }
                let (minimum, maximum, end) = counts
                position = end
                let limit = Self.maximumRepeatCount
                if minimum < 0 || minimum > limit || (maximum ?? 0) > limit || (maximum.map { minimum > $0 } ?? false) {
                    throw RegexSyntaxError(.invalidRepeatCount, text(start..<end))
                }
                try repeatLast(minimum: minimum, maximum: maximum, counted: true, from: start, after: previousRepeatStart)
                repeatStart = start
            case "\\":
                try parseTopLevelEscape()
            default:
                append(literal(scalars[position]))
                position += 1
            }
            previousRepeatStart = repeatStart
        }
        if groups.count != 1 {
            throw RegexSyntaxError(.missingClosingParenthesis, source)
        }
        return Self.combine(groups[0].branches)
    }

    private func literal(_ scalar: Unicode.Scalar) -> RegexNode {
        .literal(scalar, foldsCase: flags.foldsCase)
    }

    private static func combine(_ branches: [[RegexNode]]) -> RegexNode {
        let alternatives = branches.map { parts -> RegexNode in
            switch parts.count {
            case 0: .empty
            case 1: parts[0]
            default: .concatenation(parts)
            }
        }
        return alternatives.count == 1 ? alternatives[0] : .alternation(alternatives)
    }

    // MARK: Repetition

    /// Applies a quantifier that began at `start` (and ends at `position`) to the last node parsed.
    /// `previousRepeat` is where the quantifier just before it began, if it directly precedes.
    private mutating func repeatLast(
        minimum: Int, maximum: Int?, counted: Bool, from start: Int, after previousRepeat: Int?
    ) throws(RegexSyntaxError) {
        if scalar(at: position) == "?" {
            position += 1
        }
        if let previousRepeat {
            throw RegexSyntaxError(.invalidNestedRepetition, text(previousRepeat..<position))
        }
        let group = groups.count - 1
        let branch = groups[group].branches.count - 1
        guard let operand = groups[group].branches[branch].popLast() else {
            throw RegexSyntaxError(.missingRepeatArgument, text(start..<position))
        }
        let repetition = RegexNode.repetition(operand, minimum: minimum, maximum: maximum, counted: counted)
        if counted && (minimum >= 2 || (maximum ?? 0) >= 2)
            && !repetition.repeatCountsFit(within: Self.maximumRepeatCount)
        {
            throw RegexSyntaxError(.invalidRepeatCount, text(start..<position))
        }
        groups[group].branches[branch].append(repetition)
    }

    /// Reads `{n}`, `{n,}` or `{n,m}` at `start`: nil when it is not one (the `{` is then a literal);
    /// a count of -1 when a number is too large. Leading zeros are not a count, as in Go.
    private func parseRepeatCounts(from start: Int) -> (minimum: Int, maximum: Int?, end: Int)? {
        var index = start + 1
        guard var minimum = parseCount(&index), let next = scalar(at: index) else { return nil }
        var maximum: Int? = minimum
        if next == "," {
            index += 1
            guard let afterComma = scalar(at: index) else { return nil }
            if afterComma == "}" {
                maximum = nil
            } else {
                guard let upper = parseCount(&index) else { return nil }
                maximum = upper
                if upper < 0 { minimum = -1 }
            }
        }
        guard scalar(at: index) == "}" else { return nil }
        return (minimum, maximum, index + 1)
    }

    private func parseCount(_ index: inout Int) -> Int? {
        guard let first = scalar(at: index), ("0"..."9").contains(first) else { return nil }
        if first == "0", let second = scalar(at: index + 1), ("0"..."9").contains(second) { return nil }
        var value = 0
        while let digit = scalar(at: index), ("0"..."9").contains(digit) {
            if value >= 100_000_000 {
                value = -1
            } else if value >= 0 {
                value = value * 10 + Int(digit.value - 48)
            }
            index += 1
        }
        return value
    }

    // MARK: Groups

    private mutating func openGroup() throws(RegexSyntaxError) {
        if scalar(at: position + 1) == "?" {
            try parseGroupFlags()
        } else {
            position += 1
            try pushGroup()
        }
    }

    private mutating func pushGroup() throws(RegexSyntaxError) {
        groups.append(Group(outerFlags: flags))
        if groups.count > Self.maximumNesting {
            throw RegexSyntaxError(.nestingTooDeep, source)
        }
    }

    private mutating func closeGroup() throws(RegexSyntaxError) {
        guard groups.count >= 2 else {
            throw RegexSyntaxError(.unexpectedParenthesis, source)
        }
        let group = groups.removeLast()
        flags = group.outerFlags
        append(Self.combine(group.branches))
        position += 1
    }

    /// `(?P<name>…)`, `(?<name>…)` (a name may repeat, as in Go), `(?flags)` and `(?flags:…)`;
    /// anything else after `(?` (lookaheads, `(?P=name)`, atomic groups) is Perl syntax RE2 does not
    /// support. A lookbehind `(?<=…)` reads as a malformed named capture, as it does in Go.
    private mutating func parseGroupFlags() throws(RegexSyntaxError) {
        let start = position
        let third = scalar(at: start + 2)
        if third == "<" || (third == "P" && scalar(at: start + 3) == "<") {
            let nameStart = third == "<" ? start + 3 : start + 4
            guard let close = scalars[nameStart...].firstIndex(of: ">") else {
                throw RegexSyntaxError(.invalidNamedCapture, text(start..<scalars.count))
            }
            let name = text(nameStart..<close)
            let valid = !name.isEmpty && name.unicodeScalars.allSatisfy { $0 == "_" || Self.isASCIIAlphanumeric($0) }
            guard valid else {
                throw RegexSyntaxError(.invalidNamedCapture, text(start..<close + 1))
            }
            position = close + 1
            try pushGroup()
            return
        }
        var index = start + 2
        var newFlags = flags
        var negating = false
        var sawFlag = false
        while let next = scalar(at: index) {
            index += 1
            switch next {
            case "i", "m", "s", "U":
                sawFlag = true
                switch next {
                case "i": newFlags.foldsCase = !negating
                case "m": newFlags.multiLine = !negating
                case "s": newFlags.dotMatchesNewline = !negating
                default: break
                }
                continue
            case "-" where !negating:
                negating = true
                sawFlag = false
                continue
            case ":", ")":
                if negating && !sawFlag { break }
                position = index
                if next == ":" {
                    try pushGroup()
                }
                flags = newFlags
                return
            default:
                break
            }
            break
        }
        throw RegexSyntaxError(.invalidPerlSyntax, text(start..<index))
    }

    private static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    // MARK: Escapes

    private mutating func parseTopLevelEscape() throws(RegexSyntaxError) {
        switch scalar(at: position + 1) {
        case "A":
            append(.assertion(.beginningOfText))
            position += 2
        case "z":
            append(.assertion(.endOfText))
            position += 2
        case "b":
            append(.assertion(.wordBoundary))
            position += 2
        case "B":
            append(.assertion(.notWordBoundary))
            position += 2
        case "C":
            throw RegexSyntaxError(.invalidEscape, text(position..<position + 2))
        case "Q":
            var index = position + 2
            while index < scalars.count, !(scalars[index] == "\\" && scalar(at: index + 1) == "E") {
                append(literal(scalars[index]))
                index += 1
            }
            position = min(index + 2, scalars.count)
        case "p", "P":
            let item = try parseUnicodeClass()
            append(.characterClass(CharacterClass(items: [item], negated: false, foldsCase: flags.foldsCase)))
        case let letter? where NamedClasses.perl(letter) != nil:
            let item = NamedClasses.perl(letter)!
            append(.characterClass(CharacterClass(items: [item], negated: false, foldsCase: flags.foldsCase)))
            position += 2
        default:
            append(literal(try parseEscape()))
        }
    }

    /// A single-scalar escape at `position` (a backslash): escaped punctuation, `\a \f \n \r \t \v`,
    /// octal `\0`, `\012` (a lone `\1`…`\7` would be a backreference and is refused), `\x7F`, `\x{10FFFF}`.
    private mutating func parseEscape() throws(RegexSyntaxError) -> Unicode.Scalar {
        let start = position
        guard let letter = scalar(at: start + 1) else {
            throw RegexSyntaxError(.trailingBackslash, "")
        }
        var index = start + 2
        func fail() -> RegexSyntaxError {
            RegexSyntaxError(.invalidEscape, text(start..<min(index, scalars.count)))
        }
        func octal(_ scalar: Unicode.Scalar?) -> UInt32? {
            guard let scalar, ("0"..."7").contains(scalar) else { return nil }
            return scalar.value - 48
        }
        switch letter {
        case "1"..."7", "0":
            if letter != "0" && octal(scalar(at: index)) == nil { throw fail() }
            var value = letter.value - 48
            for _ in 0..<2 {
                guard let digit = octal(scalar(at: index)) else { break }
                value = value * 8 + digit
                index += 1
            }
            position = index
            return Unicode.Scalar(value)!
        case "x":
            guard let first = scalar(at: index) else { throw fail() }
            index += 1
            if first == "{" {
                var value: UInt32 = 0
                var digits = 0
                while true {
                    guard let next = scalar(at: index) else { throw fail() }
                    index += 1
                    if next == "}" { break }
                    guard let digit = Self.hexValue(next) else { throw fail() }
                    value = value * 16 + digit
                    if value > 0x10FFFF { throw fail() }
                    digits += 1
                }
                guard digits > 0, let result = Unicode.Scalar(value) else { throw fail() }
                position = index
                return result
            }
            let second = scalar(at: index)
            index += 1
            guard let high = Self.hexValue(first), let second, let low = Self.hexValue(second) else { throw fail() }
            position = index
            return Unicode.Scalar(high * 16 + low)!
        case "a": position = index; return "\u{07}"
        case "f": position = index; return "\u{0C}"
        case "n": position = index; return "\n"
        case "r": position = index; return "\r"
        case "t": position = index; return "\t"
        case "v": position = index; return "\u{0B}"
        default:
            if letter.isASCII && !Self.isASCIIAlphanumeric(letter) {
                position = index
                return letter
            }
            throw fail()
        }
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 48
        case "a"..."f": scalar.value - 87
        case "A"..."F": scalar.value - 55
        default: nil
        }
    }

    /// `\pL`, `\p{Lu}`, `\p{^L}`, `\PL` at `position`; unknown names (scripts among them) are
    /// `invalid character class range`, as Go words an unknown name.
    private mutating func parseUnicodeClass() throws(RegexSyntaxError) -> ClassItem {
        let start = position
        var negated = scalars[start + 1] == "P"
        var name: String
        var end: Int
        if scalar(at: start + 2) == "{" {
            guard let close = scalars[(start + 2)...].firstIndex(of: "}") else {
                throw RegexSyntaxError(.invalidCharacterClassRange, text(start..<scalars.count))
            }
            name = text(start + 3..<close)
            end = close + 1
        } else {
            end = min(start + 3, scalars.count)
            name = text(start + 2..<end)
        }
        if name.hasPrefix("^") {
            negated.toggle()
            name.removeFirst()
        }
        guard let set = NamedClasses.unicode(name) else {
            throw RegexSyntaxError(.invalidCharacterClassRange, text(start..<end))
        }
        position = end
        return ClassItem(set: set, negated: negated)
    }

    // MARK: Bracket classes

    /// `[…]` at `position`: `^` negates; `]` and `-` are literal first, `-` also last; ranges,
    /// escapes, `[:name:]`, `\pN` and `\d`-style items may be mixed.
    private mutating func parseBracketClass() throws(RegexSyntaxError) -> CharacterClass {
        let start = position
        position += 1
        var negated = false
        if scalar(at: position) == "^" {
            negated = true
            position += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var items: [ClassItem] = []
        var first = true
        while first || scalar(at: position) != "]" {
            first = false
            if scalar(at: position) == "[", scalar(at: position + 1) == ":", position + 2 < scalars.count,
                let item = try parsePOSIXClass()
            {
                items.append(item)
                continue
            }
            if scalar(at: position) == "\\", let letter = scalar(at: position + 1) {
                if letter == "p" || letter == "P" {
                    items.append(try parseUnicodeClass())
                    continue
                }
                if let item = NamedClasses.perl(letter) {
                    items.append(item)
                    position += 2
                    continue
                }
            }
            let rangeStart = position
            let low = try parseClassScalar(classStart: start)
            var high = low
            if scalar(at: position) == "-", let after = scalar(at: position + 1), after != "]" {
                position += 1
                high = try parseClassScalar(classStart: start)
                if high < low {
                    throw RegexSyntaxError(.invalidCharacterClassRange, text(rangeStart..<position))
                }
            }
            ranges.append(low.value...high.value)
        }
        position += 1
        if !ranges.isEmpty {
            items.insert(ClassItem(set: .normalized(ranges), negated: false), at: 0)
        }
        return CharacterClass(items: items, negated: negated, foldsCase: flags.foldsCase)
    }

    /// `[:alpha:]` or `[:^alpha:]` at `position`, or nil when no `:]` follows (the `[` is then literal).
    private mutating func parsePOSIXClass() throws(RegexSyntaxError) -> ClassItem? {
        let nameStart = position + 2
        var index = nameStart
        while index + 1 < scalars.count, !(scalars[index] == ":" && scalars[index + 1] == "]") {
            index += 1
        }
        guard index + 1 < scalars.count else { return nil }
        guard let item = NamedClasses.posix(text(nameStart..<index)) else {
            throw RegexSyntaxError(.invalidCharacterClassRange, text(position..<index + 2))
        }
        position = index + 2
        return item
    }

    private mutating func parseClassScalar(classStart: Int) throws(RegexSyntaxError) -> Unicode.Scalar {
        guard let next = scalar(at: position) else {
            throw RegexSyntaxError(.missingClosingBracket, text(classStart..<scalars.count))
        }
        if next == "\\" {
            return try parseEscape()
        }
        position += 1
        return next
    }
}
