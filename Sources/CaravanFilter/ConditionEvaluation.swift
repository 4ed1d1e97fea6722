import CaravanModel

extension Condition {
    func evaluate(_ datum: JSONValue, bindings: [BoundValue]) throws(FilterEvaluationError) -> Bool {
        switch self {
        case .anyOf(let operands):
            for operand in operands where try operand.evaluate(datum, bindings: bindings) { return true }
            return false
        case .allOf(let operands):
            for operand in operands where try !operand.evaluate(datum, bindings: bindings) { return false }
            return true
        case .not(let operand):
            return try !operand.evaluate(datum, bindings: bindings)
        case .field(let test):
            return try test.evaluate(datum, bindings: bindings)
        case .quantified(let quantified):
            return try quantified.evaluate(datum, bindings: bindings)
        }
    }
}

extension FieldTest {
    func evaluate(_ datum: JSONValue, bindings: [BoundValue]) throws(FilterEvaluationError) -> Bool {
        guard let value = try field.locate(in: datum, bindings: bindings), value != .null else { return answerWhenAbsent }
        switch check {
        case .equals(let literal): return try equals(value, literal) != negated
        case .contains(let literal): return try contains(value, literal) != negated
        case .isEmpty: return try isEmpty(value) != negated
        case .isNil: return try isNil(value) != negated
        case .matches(let pattern): return try matches(value, pattern) != negated
        case .ordered(let ordering, let literal): return try ordering.accepts(order(value, literal))
        }
    }

    private var quotedSelector: String { GoStringLiteral.quote(field.selector.text) }

    private func equals(_ value: JSONValue, _ literal: FilterLiteral) throws(FilterEvaluationError) -> Bool {
        switch value {
        case .string(let text): return text == literal.text
        case .bool(let flag): return try coerced(literal.boolean) == flag
        case .int(let number): return try coerced(literal.number(against: number)).compare(with: number) == .same
        case .double(let number): return try coerced(literal.float) == number
        case .null, .array, .object:
            throw FilterEvaluationError("unable to find suitable primitive comparison function for matching")
        }
    }

    private func contains(_ value: JSONValue, _ literal: FilterLiteral) throws(FilterEvaluationError) -> Bool {
        switch value {
        case .object(let members): return members[literal.text] != nil
        case .array(let elements): return try Self.list(elements, contains: literal)
        case .string(let text): return text.utf8.firstRange(of: literal.text.utf8) != nil
        case .bool: _ = try coerced(literal.boolean)
        case .int(let number): _ = try coerced(literal.number(against: number))
        case .double: _ = try coerced(literal.float)
        case .null: break
        }
        throw FilterEvaluationError(
            "cannot perform in/contains operations on type \(value.goKind) for selector: \(quotedSelector)")
    }

    /// go-bexpr's `in` over a list of mixed JSON values: each element is compared as its own type,
    /// and elements the literal cannot be read as are skipped.
    private static func list(_ elements: [JSONValue], contains literal: FilterLiteral) throws(FilterEvaluationError) -> Bool {
        for element in elements {
            let reading: Result<Bool, CoercionFailure>
            switch element {
            case .string(let text): reading = .success(text == literal.text)
            case .bool(let flag): reading = literal.boolean.map { $0 == flag }
            case .int(let number): reading = literal.number(against: number).map { $0.compare(with: number) == .same }
            case .double(let number): reading = literal.float.map { $0 == number }
            case .null: reading = .success(false)
            case .array, .object:
                throw FilterEvaluationError(
                    "unable to find suitable primitive comparison function for \"in\" comparison in interface slice: \(element.goKind)"
                )
            }
            switch reading {
            case .success(true): return true
            case .success(false): continue
            case .failure(let failure) where failure.isSyntax: continue
            case .failure: throw FilterEvaluationError("error getting interface slice match value in expression")
            }
        }
        return false
    }

    private func isEmpty(_ value: JSONValue) throws(FilterEvaluationError) -> Bool {
        switch value {
        case .string(let text): return text.isEmpty
        case .array(let elements): return elements.isEmpty
        case .object(let members): return members.isEmpty
        case .null, .bool, .int, .double:
            throw FilterEvaluationError(
                "cannot perform is-empty operations on type \(value.goKind) for selector: \(quotedSelector)")
        }
    }

    private func isNil(_ value: JSONValue) throws(FilterEvaluationError) -> Bool {
        switch value {
        case .array, .object: return false
        case .null, .bool, .int, .double, .string:
            throw FilterEvaluationError(
                "cannot perform is-nil operations on type \(value.goKind) for selector: \(quotedSelector)")
        }
    }

    private func matches(_ value: JSONValue, _ pattern: CompiledPattern) throws(FilterEvaluationError) -> Bool {
        guard case .string(let text) = value else {
            throw FilterEvaluationError("value of type \(value.goType) is not convertible to []byte")
        }
        return try pattern.matches(text)
    }

    private func order(_ value: JSONValue, _ literal: FilterLiteral) throws(FilterEvaluationError) -> LiteralOrdering {
        switch value {
        case .int(let number): return try coerced(literal.number(against: number)).compare(with: number)
        case .double(let number): return LiteralOrdering(number, try coerced(literal.float))
        case .string(let text):
            if text == literal.text { return .same }
            return text.utf8.lexicographicallyPrecedes(literal.text.utf8) ? .below : .above
        case .null, .bool, .array, .object:
            throw FilterEvaluationError(
                "cannot perform ordering operations on type \(value.goKind) for selector: \(quotedSelector)")
        }
    }

    private func coerced<Value>(_ reading: Result<Value, CoercionFailure>) throws(FilterEvaluationError) -> Value {
        switch reading {
        case .success(let value): return value
        case .failure(let failure):
            throw FilterEvaluationError("error getting match value in expression: \(failure.message)")
        }
    }
}

extension QuantifiedCondition {
    func evaluate(_ datum: JSONValue, bindings: [BoundValue]) throws(FilterEvaluationError) -> Bool {
        guard let value = try collection.locate(in: datum, bindings: bindings), value != .null else {
            return quantifier == .all
        }
        let base = collection.concretePath(bindings: bindings)
        var entries: [(key: JSONValue, element: JSONValue, path: [String])] = []
        switch value {
        case .array(let elements):
            entries = elements.enumerated().map { (.int(Int64($0.offset)), $0.element, base + [String($0.offset)]) }
        case .object(let members):
            entries = members.keys.sorted().map { (.string($0), members[$0]!, base + [$0]) }
        case .bool, .int, .double, .string, .null:
            throw FilterEvaluationError("\(collection.selector.text) is not a list or a map")
        }
        let isList = if case .array = value { true } else { false }
        for entry in entries {
            var inner = bindings
            switch binding {
            case .single:
                inner.append(isList ? .element(entry.element, path: entry.path) : .key(entry.key))
            case .index:
                inner.append(.key(entry.key))
            case .value:
                inner.append(.element(entry.element, path: entry.path))
            case .indexAndValue(let index, let valueName):
                guard index != valueName else {
                    throw FilterEvaluationError(
                        "\(GoStringLiteral.quote(index)) cannot be used as a placeholder for both the index and the value")
                }
                inner.append(.key(entry.key))
                inner.append(.element(entry.element, path: entry.path))
            }
            let answer = try body.evaluate(datum, bindings: inner)
            if answer == (quantifier == .any) { return answer }
        }
        return quantifier == .all
    }
}
