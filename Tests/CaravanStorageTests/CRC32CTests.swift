import Testing

@testable import CaravanStorage

/// CRC-32C against published test vectors (RFC 3720, appendix B.4) and itself.
struct CRC32CTests {
    @Test("the standard check value and the iSCSI vectors")
    func vectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum(Array(UInt8(0)...UInt8(31))) == 0x46DD_794E)
        #expect(CRC32C.checksum(Array((UInt8(0)...UInt8(31)).reversed())) == 0x113F_DB5C)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test("checksumming in pieces equals checksumming at once, at every split")
    func incremental() {
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let whole = CRC32C.checksum(bytes)
        for split in 0...bytes.count {
            var crc = CRC32C()
            crc.update(bytes[..<split])
            crc.update(bytes[split...])
            #expect(crc.value == whole, "split at \(split)")
        }
    }

    @Test("a flipped bit changes the checksum")
    func detectsFlips() {
        let bytes = [UInt8](repeating: 0x5A, count: 64)
        let original = CRC32C.checksum(bytes)
        for position in 0..<bytes.count {
            for bit in 0..<8 {
                var flipped = bytes
                flipped[position] ^= 1 << bit
                #expect(CRC32C.checksum(flipped) != original)
            }
        }
    }
}
