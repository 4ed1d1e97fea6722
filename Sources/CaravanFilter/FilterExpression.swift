public import CaravanModel

/// A parsed Nomad `filter=` expression (HashiCorp go-bexpr's language), ready to decide many objects.
///
/// It owns the expression's compiled form: selectors split into keys, literals read as every type
/// they may meet, regular expressions compiled. Parse once, then call `evaluate(_:)` per object; the
/// value is immutable and `Sendable`.
///
/// The language is go-bexpr's: `==`, `!=`, `in`, `not in`, `contains`, `not contains`, `matches`,
/// `not matches` (a regex, matching anywhere unless anchored), `is empty`, `is not empty`, `is nil`,
/// `is not nil`, `and`, `or`, `not` (binding tightest, then `and`, then `or`), parentheses, and
/// `any Selector as k, v { … }` / `all …`. Selectors are `A.B.C`, `A["key"]`, `List.0`, or JSON
/// pointers `"/A/B"`; values are numbers, `"Go strings"`, `` `raw strings` ``, or bare words.
/// Caravan adds `<`, `<=`, `>`, `>=` (numeric against numbers, byte-wise against strings), which
/// go-bexpr lacks; they are left out of parse errors' expectation lists so those read as Nomad's.
///
/// The datum is JSON, so a struct cannot be told from a map. Where go-bexpr answers an unknown
/// struct field (and a missing top-level key) with `error finding value in datum`, this answers
/// every missing key like a missing map key: `==`, `in`, `matches` and ordering are false; `!=`,
/// `not in`, `not matches`, `is empty` and `is nil` are true. A JSON null is treated the same way
/// (Go's nil maps, slices and pointers). Selecting into a string, number or bool is an error, as
/// in go-bexpr.
public struct FilterExpression: Sendable {
    /// The expression as given.
    public let text: String
    private let condition: Condition

    /// Parses `text`; a syntax error is reported with pigeon's position and wording.
    public init(_ text: String) throws(FilterParseError) {
        self.text = text
        condition = ConditionCompiler.compile(try FilterParser.parse(text))
    }

    /// Whether `datum` (an object's JSON form with Nomad's field names) passes the filter.
    public func evaluate(_ datum: JSONValue) throws(FilterEvaluationError) -> Bool {
        try condition.evaluate(datum, bindings: [])
    }
}
