/// A zero-width test at a position between two scalars.
enum RegexAssertion: Sendable, Equatable {
    /// `\A`, or `^` outside `(?m)`.
    case beginningOfText
    /// `\z`, or `$` outside `(?m)`.
    case endOfText
    /// `^` under `(?m)`: the start of the text or just after `\n`.
    case beginningOfLine
    /// `$` under `(?m)`: the end of the text or just before `\n`.
    case endOfLine
    /// `\b`: an ASCII word character on exactly one side.
    case wordBoundary
    /// `\B`.
    case notWordBoundary

    /// Whether the assertion holds between `previous` and `next` (nil at either end of the text).
    func holds(previous: Unicode.Scalar?, next: Unicode.Scalar?) -> Bool {
        switch self {
        case .beginningOfText: previous == nil
        case .endOfText: next == nil
        case .beginningOfLine: previous == nil || previous == "\n"
        case .endOfLine: next == nil || next == "\n"
        case .wordBoundary: NamedClasses.isWordCharacter(previous) != NamedClasses.isWordCharacter(next)
        case .notWordBoundary: NamedClasses.isWordCharacter(previous) == NamedClasses.isWordCharacter(next)
        }
    }
}

/// The parsed form of a regular expression. Groups leave no node of their own (only whether a
/// pattern matches is asked, so captures are not kept), and lazy quantifiers are plain repetitions.
indirect enum RegexNode: Sendable, Equatable {
    /// Matches the empty string: `()`, `a|`, `x{0}`.
    case empty
    /// One scalar, compared case-insensitively when `foldsCase`.
    case literal(Unicode.Scalar, foldsCase: Bool)
    case characterClass(CharacterClass)
    /// `.`: any scalar, `\n` only when `matchesNewline` (`(?s)`).
    case anyScalar(matchesNewline: Bool)
    case assertion(RegexAssertion)
    case concatenation([RegexNode])
    case alternation([RegexNode])
    /// `*`, `+`, `?` and `{n,m}`: `maximum` is nil when unbounded; `counted` marks the `{…}` form,
    /// whose nesting Go limits.
    case repetition(RegexNode, minimum: Int, maximum: Int?, counted: Bool)

    /// The same expression without parts that match only the empty string and would compile to
    /// nothing (`x{0}`, `(?:)` in a sequence, repetitions of those). Every node left compiles to at
    /// least one instruction, so the compiler's work stays proportional to the program it emits.
    func simplified() -> RegexNode {
        switch self {
        case .empty, .literal, .characterClass, .anyScalar, .assertion:
            return self
        case .concatenation(let parts):
            let kept = parts.map { $0.simplified() }.filter { $0 != .empty }
            switch kept.count {
            case 0: return .empty
            case 1: return kept[0]
            default: return .concatenation(kept)
            }
        case .alternation(let alternatives):
            return .alternation(alternatives.map { $0.simplified() })
        case .repetition(let body, let minimum, let maximum, let counted):
            let simpleBody = body.simplified()
            if maximum == 0 || simpleBody == .empty { return .empty }
            return .repetition(simpleBody, minimum: minimum, maximum: maximum, counted: counted)
        }
    }

    /// Whether nested counted repetitions stay within `limit` copies, as Go's `repeatIsValid`.
    func repeatCountsFit(within limit: Int) -> Bool {
        switch self {
        case .empty, .literal, .characterClass, .anyScalar, .assertion:
            return true
        case .concatenation(let parts), .alternation(let parts):
            return parts.allSatisfy { $0.repeatCountsFit(within: limit) }
        case .repetition(let body, let minimum, let maximum, let counted):
            var remaining = limit
            if counted {
                if maximum == 0 { return true }
                let copies = maximum ?? minimum
                if copies > remaining { return false }
                if copies > 0 { remaining /= copies }
            }
            return body.repeatCountsFit(within: remaining)
        }
    }
}
