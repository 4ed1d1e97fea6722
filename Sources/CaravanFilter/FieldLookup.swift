import CaravanModel

/// A value bound by an enclosing `any`/`all` while its body is evaluated.
enum BoundValue {
    /// A list element or map value, with the path it was found at (for messages).
    case element(JSONValue, path: [String])
    /// A list index or map key, which has no path and nothing to select into.
    case key(JSONValue)
}

extension FieldReference {
    /// The value the selector names, or nil when a map along the way lacks the key (or holds null
    /// there): go-bexpr then answers with the operator's "not present" disposition.
    func locate(in datum: JSONValue, bindings: [BoundValue]) throws(FilterEvaluationError) -> JSONValue? {
        var current: JSONValue
        switch origin {
        case .datum:
            current = datum
        case .binding(let slot):
            switch bindings[slot] {
            case .element(let value, _):
                current = value
            case .key(let key):
                guard path.isEmpty else {
                    let kind = if case .int = key { "int" } else { key.goKind }
                    throw FilterEvaluationError(
                        "\(Self.pointer([selector.path[0]])) references a \(kind) so \(Self.pointer(selector.path)) is invalid")
                }
                return key
            }
        }
        for (depth, part) in path.enumerated() {
            switch current {
            case .object(let members):
                guard let next = members[part] else { return nil }
                current = next
            case .array(let elements):
                guard let position = Int(part) else {
                    throw notFound(depth, bindings, "couldn't convert value \(GoStringLiteral.quote(part)) to type int")
                }
                guard elements.indices.contains(position) else {
                    throw notFound(depth, bindings, "index \(position) is out of range (length = \(elements.count))")
                }
                current = elements[position]
            case .null:
                return nil
            case .bool, .int, .double, .string:
                let (pointer, part) = concretePointer(depth, bindings)
                throw FilterEvaluationError(
                    "error finding value in datum: \(pointer): at part \(part), invalid value kind: \(current.goKind)")
            }
        }
        return current
    }

    /// The path from the datum's root to this reference, through any bound element.
    func concretePath(bindings: [BoundValue]) -> [String] {
        guard case .binding(let slot) = origin, case .element(_, let base) = bindings[slot] else { return path }
        return base + path
    }

    private func notFound(_ depth: Int, _ bindings: [BoundValue], _ reason: String) -> FilterEvaluationError {
        let (pointer, part) = concretePointer(depth, bindings)
        return FilterEvaluationError("error finding value in datum: \(pointer) at part \(part): \(reason)")
    }

    private func concretePointer(_ depth: Int, _ bindings: [BoundValue]) -> (pointer: String, part: Int) {
        let full = concretePath(bindings: bindings)
        return (Self.pointer(full), full.count - path.count + depth)
    }

    /// A JSON pointer as pointerstructure prints it (`~` as `~0`, `/` as `~1`).
    static func pointer(_ parts: [String]) -> String {
        guard !parts.isEmpty else { return "" }
        return "/" + parts.map { $0.replacing("~", with: "~0").replacing("/", with: "~1") }.joined(separator: "/")
    }
}

extension JSONValue {
    /// The Go `reflect.Kind` name go-bexpr prints for a value decoded from JSON.
    var goKind: String {
        switch self {
        case .null: "invalid"
        case .bool: "bool"
        case .int: "int64"
        case .double: "float64"
        case .string: "string"
        case .array: "slice"
        case .object: "map"
        }
    }

    /// The Go type name go-bexpr prints for a value decoded from JSON.
    var goType: String {
        switch self {
        case .array: "[]interface {}"
        case .object: "map[string]interface {}"
        default: goKind
        }
    }
}
