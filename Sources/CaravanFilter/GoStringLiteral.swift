/// Go's string quoting rules, which go-bexpr inherits: `strconv.Unquote` for double-quoted literals in
/// expressions, and `%q` for selectors and values quoted in messages.
enum GoStringLiteral {
    /// The value of a double-quoted Go string literal given the text between its quotes, or nil when
    /// Go would reject it (an unknown escape, a raw newline, a surrogate code point).
    static func unquote(_ body: String) -> String? {
        var bytes: [UInt8] = []
        var scalars = body.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            if scalar == "\n" { return nil }
            guard scalar == "\\" else {
                bytes.append(contentsOf: String(scalar).utf8)
                continue
            }
            guard let escape = scalars.next() else { return nil }
            switch escape {
            case "a": bytes.append(0x07)
            case "b": bytes.append(0x08)
            case "f": bytes.append(0x0C)
            case "n": bytes.append(0x0A)
            case "r": bytes.append(0x0D)
            case "t": bytes.append(0x09)
            case "v": bytes.append(0x0B)
            case "\\": bytes.append(0x5C)
            case "\"": bytes.append(0x22)
            case "x":
                guard let value = hexadecimal(&scalars, digits: 2) else { return nil }
                bytes.append(UInt8(value))
            case "u", "U":
                guard let value = hexadecimal(&scalars, digits: escape == "u" ? 4 : 8),
                    let decoded = Unicode.Scalar(value)
                else { return nil }
                bytes.append(contentsOf: String(decoded).utf8)
            case "0"..."7":
                var value = escape.value - 0x30
                for _ in 0..<2 {
                    guard let digit = scalars.next(), ("0"..."7").contains(digit) else { return nil }
                    value = value * 8 + digit.value - 0x30
                }
                guard value <= 0xFF else { return nil }
                bytes.append(UInt8(value))
            default:
                return nil
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexadecimal(_ scalars: inout String.UnicodeScalarView.Iterator, digits: Int) -> UInt32? {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let digit = scalars.next(), let digitValue = Int(String(digit), radix: 16) else { return nil }
            value = value << 4 | UInt32(digitValue)
        }
        return value
    }

    /// `fmt.Sprintf("%q", text)` for the printable text Caravan quotes in messages.
    static func quote(_ text: String) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                quoted += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
