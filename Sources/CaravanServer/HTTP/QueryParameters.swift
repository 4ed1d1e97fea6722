/// A request's query string decoded as Nomad's Go server decodes it: `+` is a space, `%XX` a
/// byte, and repeated keys are all kept.
public struct QueryParameters: Sendable {
    private var pairs: [(name: String, value: String)] = []

    public init(_ query: String?) {
        guard let query, !query.isEmpty else { return }
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            if let equals = item.firstIndex(of: "=") {
                pairs.append((Self.decode(item[..<equals]), Self.decode(item[item.index(after: equals)...])))
            } else {
                pairs.append((Self.decode(item), ""))
            }
        }
    }

    /// The first value of `name`, if present (possibly empty).
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    /// The parameters other than `excluded` as one string that names the query: sorted by name
    /// (repeated names keep their order, since the first one is the one that counts), names and
    /// values escaped so that no two different queries give the same string, and none contains
    /// `#` (which callers append a view after).
    public func canonical(excluding excluded: Set<String>) -> String {
        pairs.enumerated()
            .filter { !excluded.contains($0.element.name) }
            .sorted { ($0.element.name, $0.offset) < ($1.element.name, $1.offset) }
            .map { "\(Self.escape($0.element.name))=\(Self.escape($0.element.value))" }
            .joined(separator: "&")
    }

    private static func escape(_ text: String) -> String {
        guard text.contains(where: { $0 == "%" || $0 == "&" || $0 == "=" || $0 == "#" }) else { return text }
        var escaped = ""
        for character in text {
            switch character {
            case "%": escaped += "%25"
            case "&": escaped += "%26"
            case "=": escaped += "%3D"
            case "#": escaped += "%23"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Form decoding of one component: `+` → space, `%XX` → byte; a malformed escape is kept as is.
    static func decode(_ component: Substring) -> String {
        percentDecode(component, plusIsSpace: true)
    }

    static func percentDecode(_ component: Substring, plusIsSpace: Bool) -> String {
        guard component.contains(where: { $0 == "%" || (plusIsSpace && $0 == "+") }) else { return String(component) }
        var bytes: [UInt8] = []
        let utf8 = Array(component.utf8)
        var i = 0
        while i < utf8.count {
            let byte = utf8[i]
            if byte == UInt8(ascii: "+"), plusIsSpace {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), i + 2 < utf8.count, let high = hexValue(utf8[i + 1]), let low = hexValue(utf8[i + 2]) {
                bytes.append(high << 4 | low)
                i += 2
            } else {
                bytes.append(byte)
            }
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
