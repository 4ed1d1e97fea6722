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

    /// The parameters other than `excluded`, in a canonical order, as one string.
    public func canonical(excluding excluded: Set<String>) -> String {
        pairs.filter { !excluded.contains($0.name) }
            .sorted { ($0.name, $0.value) < ($1.name, $1.value) }
            .map { "\($0.name)=\($0.value)" }
            .joined(separator: "&")
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
