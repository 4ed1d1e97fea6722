/// CRC-32C (Castagnoli), the checksum of the write-ahead log's frames: the polynomial iSCSI,
/// ext4 and etcd's WAL use, computed eight bytes at a time (slicing-by-8).
public struct CRC32C: Sendable {
    public private(set) var value: UInt32 = 0

    public init() {}

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        var crc = CRC32C()
        crc.update(bytes)
        return crc.value
    }

    /// Extends the checksum over `bytes`, as if they followed everything given before.
    public mutating func update(_ bytes: some Collection<UInt8>) {
        if let done = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        update(Array(bytes))
    }

    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        let tables = Self.tables
        var crc = ~value
        var offset = 0
        let count = buffer.count
        while count - offset >= 8 {
            let low = crc ^ UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            let high = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
            crc =
                tables[7 * 256 + Int(low & 0xFF)] ^ tables[6 * 256 + Int((low >> 8) & 0xFF)]
                ^ tables[5 * 256 + Int((low >> 16) & 0xFF)] ^ tables[4 * 256 + Int(low >> 24)]
                ^ tables[3 * 256 + Int(high & 0xFF)] ^ tables[2 * 256 + Int((high >> 8) & 0xFF)]
                ^ tables[1 * 256 + Int((high >> 16) & 0xFF)] ^ tables[Int(high >> 24)]
            offset += 8
        }
        while offset < count {
            crc = tables[Int((crc ^ UInt32(buffer[offset])) & 0xFF)] ^ (crc >> 8)
            offset += 1
        }
        value = ~crc
    }

    /// Eight 256-entry tables: table 0 is the byte-at-a-time table for the reflected polynomial
    /// 0x82F63B78; table k advances a byte's contribution by k more bytes.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            tables[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = tables[(slice - 1) * 256 + byte]
                tables[slice * 256 + byte] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()
}
