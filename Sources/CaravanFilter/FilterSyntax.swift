/// The parse tree of a filter expression, shaped like go-bexpr's grammar before it is compiled
/// into a `Condition`.
indirect enum FilterSyntax {
    case or([FilterSyntax])
    case and([FilterSyntax])
    case not(FilterSyntax)
    case match(MatchSyntax)
    case quantified(QuantifiedSyntax)
}

/// A path into the datum: `Meta.foo`, `Meta["key with spaces"]`, `Tags.0`, or the JSON pointer `"/Meta/foo"`.
struct SelectorSyntax: Sendable {
    enum Form: Equatable, Sendable {
        case dotted
        case pointer
    }

    let form: Form
    let path: [String]

    /// How go-bexpr prints the selector in messages, and the raw text it becomes when it stands
    /// where a value is expected (`Name == other.word` compares against `"other.word"`).
    var text: String { path.joined(separator: form == .dotted ? "." : "/") }
}

/// Every way a selector can be compared with a value or tested on its own.
enum MatchOperator: Equatable {
    case equal, notEqual
    case contains, notContains
    case isEmpty, isNotEmpty
    case isNil, isNotNil
    case matches, notMatches
    case less, lessOrEqual, greater, greaterOrEqual
}

/// `selector operator value`, `value in selector` (stored as `selector contains value`), or `selector is empty`.
struct MatchSyntax {
    let selector: SelectorSyntax
    let op: MatchOperator
    /// The literal's raw text after unquoting; nil for the `is …` operators.
    let value: String?
}

/// `any Selector as names { body }` or `all Selector as names { body }`.
struct QuantifiedSyntax {
    enum Quantifier: Equatable, Sendable {
        case any, all
    }

    /// The names an iteration binds: one name (the element of a list, the key of a map), or an
    /// index or key name and a value name, either of which may be `_`.
    enum Binding: Sendable {
        case single(String)
        case index(String)
        case value(String)
        case indexAndValue(String, String)
    }

    let quantifier: Quantifier
    let selector: SelectorSyntax
    let binding: Binding
    let body: FilterSyntax
}
