/// Appends the primitive values of Caravan's binary encodings (log entries, snapshots) to a byte
/// buffer: LEB128 varints, zig-zag signed integers, length-prefixed UTF-8 strings.
public struct BinaryWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 128) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func byte(_ value: UInt8) { bytes.append(value) }

    public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func uvarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    public mutating func varint(_ value: Int64) {
        uvarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    public mutating func int(_ value: Int) { varint(Int64(value)) }

    public mutating func double(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func string(_ value: String) {
        // A native string lends its UTF-8 in place; only another kind is copied to make it so.
        let lent: Void? = value.utf8.withContiguousStorageIfAvailable { utf8 in
            uvarint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
        guard lent == nil else { return }
        var contiguous = value
        contiguous.withUTF8 { utf8 in
            uvarint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func strings(_ values: [String]) {
        uvarint(UInt64(values.count))
        for value in values { string(value) }
    }

    /// A string map, written in key order so equal maps give equal bytes.
    public mutating func stringMap(_ map: [String: String]) {
        self.map(map) { $0.string($1) }
    }

    /// A map of encodable values, written in key order.
    public mutating func map<Value>(_ map: [String: Value], _ writeValue: (inout BinaryWriter, Value) -> Void) {
        uvarint(UInt64(map.count))
        switch map.count {
        case 0:
            return
        case 1:
            // Most maps hold one entry or none: nothing to sort.
            let (key, value) = map.first!
            string(key)
            writeValue(&self, value)
        default:
            for key in map.keys.sorted() {
                string(key)
                writeValue(&self, map[key]!)
            }
        }
    }

    public mutating func array<Element>(_ values: [Element], _ writeElement: (inout BinaryWriter, Element) -> Void) {
        uvarint(UInt64(values.count))
        for value in values { writeElement(&self, value) }
    }

    public mutating func optional<Value>(_ value: Value?, _ writeValue: (inout BinaryWriter, Value) -> Void) {
        guard let value else { return byte(0) }
        byte(1)
        writeValue(&self, value)
    }
}
