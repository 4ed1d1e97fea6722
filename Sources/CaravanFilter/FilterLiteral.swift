/// A value from the expression, kept as go-bexpr keeps it (raw text) together with its readings as
/// the field types it may meet, computed once at parse time: go-bexpr coerces the text to the
/// field's type on every comparison, using Go's `strconv.ParseInt(text, 0, 64)`, `ParseFloat` and
/// `ParseBool`.
struct FilterLiteral: Sendable {
    let text: String
    let integer: Result<Int64, CoercionFailure>
    let float: Result<Double, CoercionFailure>
    let boolean: Result<Bool, CoercionFailure>

    init(_ text: String) {
        self.text = text
        integer = Self.parseInteger(text)
        float = Self.parseFloat(text)
        boolean = Self.parseBool(text)
    }

    /// The number an integer field compares with: the integer reading, or, when the text is not
    /// an integer at all, its floating-point reading (JSON cannot tell `2` in a float field from an
    /// integer field, so `2.5` against it compares as a number instead of failing).
    func number(against value: Int64) -> Result<NumericComparand, CoercionFailure> {
        switch integer {
        case .success(let number): return .success(.integer(number))
        case .failure(let failure) where failure.isSyntax:
            if case .success(let number) = float { return .success(.float(number)) }
            return .failure(failure)
        case .failure(let failure): return .failure(failure)
        }
    }

    // MARK: Go's strconv

    private static func parseBool(_ text: String) -> Result<Bool, CoercionFailure> {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": return .success(true)
        case "0", "f", "F", "FALSE", "false", "False": return .success(false)
        default: return .failure(CoercionFailure(function: "ParseBool", text: text, isSyntax: true))
        }
    }

    private static func parseInteger(_ text: String) -> Result<Int64, CoercionFailure> {
        let syntaxError = CoercionFailure(function: "ParseInt", text: text, isSyntax: true)
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        var radix = 10
        var prefixed = false
        let lowered = digits.lowercased()
        if lowered.hasPrefix("0x") || lowered.hasPrefix("0b") || lowered.hasPrefix("0o") {
            radix = lowered.hasPrefix("0x") ? 16 : lowered.hasPrefix("0b") ? 2 : 8
            digits = digits.dropFirst(2)
            prefixed = true
        } else if digits.count > 1, digits.first == "0" {
            radix = 8
            digits = digits.dropFirst()
            prefixed = true
        }
        guard Self.underscoresAreGoValid(digits, prefixed: prefixed) else { return .failure(syntaxError) }
        let cleaned = digits.filter { $0 != "_" }
        guard !cleaned.isEmpty, cleaned.allSatisfy({ $0.isASCII && $0.isHexDigit && Int(String($0), radix: radix) != nil })
        else { return .failure(syntaxError) }
        guard let magnitude = UInt64(cleaned, radix: radix) else {
            return .failure(CoercionFailure(function: "ParseInt", text: text, isSyntax: false))
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else {
                return .failure(CoercionFailure(function: "ParseInt", text: text, isSyntax: false))
            }
            return .success(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
        }
        guard magnitude <= UInt64(Int64.max) else {
            return .failure(CoercionFailure(function: "ParseInt", text: text, isSyntax: false))
        }
        return .success(Int64(magnitude))
    }

    /// Go accepts `_` only between digits of a base-prefixed number.
    private static func underscoresAreGoValid(_ digits: Substring, prefixed: Bool) -> Bool {
        guard digits.contains("_") else { return true }
        guard prefixed, digits.last != "_" else { return false }
        return !digits.contains("__")
    }

    private static func parseFloat(_ text: String) -> Result<Double, CoercionFailure> {
        let syntaxError = CoercionFailure(function: "ParseFloat", text: text, isSyntax: true)
        let unsigned = text.drop { $0 == "+" || $0 == "-" }
        guard text.count - unsigned.count <= 1, !unsigned.isEmpty else { return .failure(syntaxError) }
        let word = unsigned.lowercased()
        if word == "inf" || word == "infinity" || word == "nan" {
            return Double(text).map { .success($0) } ?? .failure(syntaxError)
        }
        guard unsigned.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-") }),
            let value = Double(text)
        else { return .failure(syntaxError) }
        guard value.isFinite else { return .failure(CoercionFailure(function: "ParseFloat", text: text, isSyntax: false)) }
        return .success(value)
    }
}

/// A number read from a literal, compared with an integer field.
enum NumericComparand {
    case integer(Int64)
    case float(Double)

    func compare(with value: Int64) -> LiteralOrdering {
        switch self {
        case .integer(let number): return LiteralOrdering(value, number)
        case .float(let number): return LiteralOrdering(Double(value), number)
        }
    }
}

/// Which way a field's value lies from the literal; `unordered` for NaN.
enum LiteralOrdering {
    case below, same, above, unordered

    init<Value: Comparable>(_ value: Value, _ literal: Value) {
        self = value < literal ? .below : value > literal ? .above : value == literal ? .same : .unordered
    }
}

/// Go's `*strconv.NumError` text for a literal that does not read as the field's type.
struct CoercionFailure: Error, Sendable {
    let function: String
    let text: String
    let isSyntax: Bool

    var message: String {
        "strconv.\(function): parsing \(GoStringLiteral.quote(text)): \(isSyntax ? "invalid syntax" : "value out of range")"
    }
}
