/// A type that writes itself as JSON through a ``JSONWriter``.
///
/// Caravan writes every response by hand instead of through `JSONEncoder`: the field order is
/// Nomad's, maps come out with sorted keys (so equal states give equal bytes), and it is about
/// twenty times faster.
public protocol JSONWritable {
    func write(to json: inout JSONWriter)
}

/// Appends JSON text to a byte buffer. It owns only the buffer and a flag saying whether the next
/// value needs a leading comma; the caller is responsible for balanced begin/end calls.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8]
    private var needsComma = false

    public init(reservingCapacity capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Encodes one value and returns its bytes.
    public static func encode(_ value: some JSONWritable) -> [UInt8] {
        var writer = JSONWriter()
        value.write(to: &writer)
        return writer.bytes
    }

    // MARK: Structure

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"name":` and leaves the writer ready for the member's value.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Appends bytes that already hold one complete JSON value (a cached encoding).
    public mutating func raw(_ encoded: [UInt8]) {
        separate()
        bytes.append(contentsOf: encoded)
        needsComma = true
    }

    // MARK: Scalars

    public mutating func null() { scalar("null") }
    public mutating func bool(_ value: Bool) { scalar(value ? "true" : "false") }
    public mutating func int(_ value: Int64) { scalar(String(value)) }
    public mutating func int(_ value: Int) { scalar(String(value)) }
    public mutating func uint(_ value: UInt64) { scalar(String(value)) }

    public mutating func double(_ value: Double) {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            scalar(String(Int64(value)))
        } else if value.isFinite {
            scalar(String(value))
        } else {
            null()
        }
    }

    public mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma = true
    }

    // MARK: Members and elements

    public mutating func field(_ name: String, _ value: String) { key(name); string(value) }
    public mutating func field(_ name: String, _ value: Bool) { key(name); bool(value) }
    public mutating func field(_ name: String, _ value: Int) { key(name); int(value) }
    public mutating func field(_ name: String, _ value: Int64) { key(name); int(value) }
    public mutating func field(_ name: String, _ value: UInt64) { key(name); uint(value) }
    public mutating func field(_ name: String, _ value: some JSONWritable) { key(name); value.write(to: &self) }

    /// Writes `value`, or `null` when it is absent (Go's nil pointer, slice or map).
    public mutating func field(_ name: String, _ value: (some JSONWritable)?) {
        key(name)
        if let value { value.write(to: &self) } else { null() }
    }

    public mutating func element(_ value: some JSONWritable) {
        value.write(to: &self)
    }

    /// Writes every member of `extra` (the fields Caravan keeps without interpreting), sorted.
    public mutating func members(_ extra: [String: JSONValue]) {
        for key in extra.keys.sorted() { field(key, extra[key]!) }
    }

    // MARK: Internals

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func scalar(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendQuoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0x00..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension String: JSONWritable {
    public func write(to json: inout JSONWriter) { json.string(self) }
}

extension Bool: JSONWritable {
    public func write(to json: inout JSONWriter) { json.bool(self) }
}

extension Int: JSONWritable {
    public func write(to json: inout JSONWriter) { json.int(self) }
}

extension Int64: JSONWritable {
    public func write(to json: inout JSONWriter) { json.int(self) }
}

extension UInt64: JSONWritable {
    public func write(to json: inout JSONWriter) { json.uint(self) }
}

extension Array: JSONWritable where Element: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginArray()
        for element in self { json.element(element) }
        json.endArray()
    }
}

/// Maps are written with sorted keys, so equal maps give equal bytes.
extension Dictionary: JSONWritable where Key == String, Value: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        for key in keys.sorted() { json.field(key, self[key]!) }
        json.endObject()
    }
}
