/// A compiled filter: the parse tree with selectors resolved to where they read from, literals
/// pre-coerced, and regular expressions compiled, so evaluating it against many objects repeats no
/// work that depends only on the expression.
indirect enum Condition: Sendable {
    case anyOf([Condition])
    case allOf([Condition])
    case not(Condition)
    case field(FieldTest)
    case quantified(QuantifiedCondition)
}

/// One test of one field.
struct FieldTest: Sendable {
    let field: FieldReference
    let check: FieldCheck
    /// Whether the check's answer is inverted: `!=`, `not in`, `is not empty`, `not matches`, `is not nil`.
    let negated: Bool

    /// go-bexpr's answer when the field is absent from a map: nothing equals, contains or matches a
    /// missing key, and a missing key is empty and nil.
    var answerWhenAbsent: Bool {
        switch check {
        case .equals, .contains, .matches, .ordered: return negated
        case .isEmpty, .isNil: return !negated
        }
    }
}

/// What a `FieldTest` asks of the field's value.
enum FieldCheck: Sendable {
    case equals(FilterLiteral)
    case contains(FilterLiteral)
    case isEmpty
    case isNil
    case matches(CompiledPattern)
    case ordered(OrderingOperator, FilterLiteral)
}

/// Caravan's ordering operators, which go-bexpr does not have.
enum OrderingOperator: Sendable {
    case less, lessOrEqual, greater, greaterOrEqual

    func accepts(_ ordering: LiteralOrdering) -> Bool {
        switch (self, ordering) {
        case (.less, .below), (.lessOrEqual, .below), (.lessOrEqual, .same),
            (.greater, .above), (.greaterOrEqual, .above), (.greaterOrEqual, .same):
            return true
        default:
            return false
        }
    }
}

/// Where a selector reads: the datum, or a name bound by an enclosing `any`/`all`, then a path of keys.
struct FieldReference: Sendable {
    enum Origin: Sendable {
        case datum
        case binding(Int)
    }

    let origin: Origin
    /// The keys after the origin (for a binding, the selector's path without the bound name).
    let path: [String]
    /// The selector as written, for messages.
    let selector: SelectorSyntax
}

/// `any`/`all` over a list's elements or a map's entries.
struct QuantifiedCondition: Sendable {
    let quantifier: QuantifiedSyntax.Quantifier
    let collection: FieldReference
    let binding: QuantifiedSyntax.Binding
    let body: Condition
}

/// Turns a parse tree into a `Condition`, resolving names bound by `any`/`all` lexically.
struct ConditionCompiler {
    /// The names in scope, innermost last; a name's index is its slot in the evaluation's bindings.
    private var scope: [String] = []

    static func compile(_ syntax: FilterSyntax) -> Condition {
        var compiler = ConditionCompiler()
        return compiler.compile(syntax)
    }

    private mutating func compile(_ syntax: FilterSyntax) -> Condition {
        switch syntax {
        case .or(let operands): return .anyOf(operands.map { compile($0) })
        case .and(let operands): return .allOf(operands.map { compile($0) })
        case .not(let operand): return .not(compile(operand))
        case .match(let match): return .field(fieldTest(match))
        case .quantified(let quantified):
            let collection = reference(quantified.selector)
            let names: [String]
            switch quantified.binding {
            case .single(let name), .index(let name), .value(let name): names = [name]
            case .indexAndValue(let index, let value): names = [index, value]
            }
            scope.append(contentsOf: names)
            defer { scope.removeLast(names.count) }
            return .quantified(
                QuantifiedCondition(
                    quantifier: quantified.quantifier, collection: collection, binding: quantified.binding,
                    body: compile(quantified.body)))
        }
    }

    private func reference(_ selector: SelectorSyntax) -> FieldReference {
        if let first = selector.path.first, let slot = scope.lastIndex(of: first) {
            return FieldReference(origin: .binding(slot), path: Array(selector.path.dropFirst()), selector: selector)
        }
        return FieldReference(origin: .datum, path: selector.path, selector: selector)
    }

    private func fieldTest(_ match: MatchSyntax) -> FieldTest {
        let field = reference(match.selector)
        let literal = FilterLiteral(match.value ?? "")
        switch match.op {
        case .equal: return FieldTest(field: field, check: .equals(literal), negated: false)
        case .notEqual: return FieldTest(field: field, check: .equals(literal), negated: true)
        case .contains: return FieldTest(field: field, check: .contains(literal), negated: false)
        case .notContains: return FieldTest(field: field, check: .contains(literal), negated: true)
        case .isEmpty: return FieldTest(field: field, check: .isEmpty, negated: false)
        case .isNotEmpty: return FieldTest(field: field, check: .isEmpty, negated: true)
        case .isNil: return FieldTest(field: field, check: .isNil, negated: false)
        case .isNotNil: return FieldTest(field: field, check: .isNil, negated: true)
        case .matches: return FieldTest(field: field, check: .matches(CompiledPattern(literal.text)), negated: false)
        case .notMatches: return FieldTest(field: field, check: .matches(CompiledPattern(literal.text)), negated: true)
        case .less: return FieldTest(field: field, check: .ordered(.less, literal), negated: false)
        case .lessOrEqual: return FieldTest(field: field, check: .ordered(.lessOrEqual, literal), negated: false)
        case .greater: return FieldTest(field: field, check: .ordered(.greater, literal), negated: false)
        case .greaterOrEqual: return FieldTest(field: field, check: .ordered(.greaterOrEqual, literal), negated: false)
        }
    }
}
