/// Why a binary encoding could not be read.
public enum BinaryDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes ended in the middle of a value.
    case truncated(offset: Int)
    /// A tag byte named no known case.
    case invalidTag(UInt8, offset: Int, context: String)
    /// A varint ran over ten bytes or a length exceeded the bytes left.
    case malformed(offset: Int, context: String)
    /// The encoding's format version is one this build cannot read.
    case unsupportedVersion(UInt8, supported: UInt8)
    /// Bytes were left over after the value.
    case trailingBytes(count: Int)

    public var description: String {
        switch self {
        case .truncated(let offset): "truncated encoding at byte \(offset)"
        case .invalidTag(let tag, let offset, let context): "invalid \(context) tag \(tag) at byte \(offset)"
        case .malformed(let offset, let context): "malformed \(context) at byte \(offset)"
        case .unsupportedVersion(let version, let supported):
            "unsupported encoding version \(version) (this build reads version \(supported))"
        case .trailingBytes(let count): "\(count) unexpected trailing bytes"
        }
    }
}

/// Reads what ``BinaryWriter`` wrote. Every read is bounds-checked: malformed input is an error,
/// never a crash.
public struct BinaryReader {
    private let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public func expectEnd() throws(BinaryDecodingError) {
        if offset != bytes.count { throw .trailingBytes(count: bytes.count - offset) }
    }

    public mutating func byte() throws(BinaryDecodingError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func bool() throws(BinaryDecodingError) -> Bool {
        let start = offset
        switch try byte() {
        case 0: return false
        case 1: return true
        case let tag: throw .invalidTag(tag, offset: start, context: "bool")
        }
    }

    public mutating func uvarint() throws(BinaryDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = offset
        while true {
            let next = try byte()
            if shift == 63, next > 1 { throw .malformed(offset: start, context: "varint") }
            result |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return result }
            shift += 7
            if shift > 63 { throw .malformed(offset: start, context: "varint") }
        }
    }

    public mutating func varint() throws(BinaryDecodingError) -> Int64 {
        let raw = try uvarint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    public mutating func int() throws(BinaryDecodingError) -> Int {
        Int(truncatingIfNeeded: try varint())
    }

    public mutating func double() throws(BinaryDecodingError) -> Double {
        guard bytes.count - offset >= 8 else { throw .truncated(offset: offset) }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return Double(bitPattern: bits)
    }

    /// A length prefix, checked against the bytes that remain (each item needs at least one byte).
    public mutating func count(_ context: String) throws(BinaryDecodingError) -> Int {
        let start = offset
        let value = try uvarint()
        guard value <= UInt64(bytes.count - offset) else { throw .malformed(offset: start, context: "\(context) length") }
        return Int(value)
    }

    public mutating func string() throws(BinaryDecodingError) -> String {
        let length = try count("string")
        defer { offset += length }
        return bytes.withUnsafeBufferPointer { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[offset..<offset + length]), as: UTF8.self)
        }
    }

    public mutating func strings() throws(BinaryDecodingError) -> [String] {
        let n = try count("list")
        var values: [String] = []
        values.reserveCapacity(n)
        for _ in 0..<n { values.append(try string()) }
        return values
    }

    public mutating func stringMap() throws(BinaryDecodingError) -> [String: String] {
        try map { (r: inout BinaryReader) throws(BinaryDecodingError) in try r.string() }
    }

    public mutating func map<Value>(
        _ readValue: (inout BinaryReader) throws(BinaryDecodingError) -> Value
    ) throws(BinaryDecodingError) -> [String: Value] {
        let n = try count("map")
        guard n > 0 else { return [:] }
        var map = [String: Value](minimumCapacity: n)
        for _ in 0..<n {
            let key = try string()
            map[key] = try readValue(&self)
        }
        return map
    }

    public mutating func array<Element>(
        _ readElement: (inout BinaryReader) throws(BinaryDecodingError) -> Element
    ) throws(BinaryDecodingError) -> [Element] {
        let n = try count("list")
        var values: [Element] = []
        values.reserveCapacity(n)
        for _ in 0..<n { values.append(try readElement(&self)) }
        return values
    }

    public mutating func optional<Value>(
        _ readValue: (inout BinaryReader) throws(BinaryDecodingError) -> Value
    ) throws(BinaryDecodingError) -> Value? {
        let start = offset
        switch try byte() {
        case 0: return nil
        case 1: return try readValue(&self)
        case let tag: throw .invalidTag(tag, offset: start, context: "optional")
        }
    }
}
