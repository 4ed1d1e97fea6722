#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds written bytes in pre-allocated (zeroed) space, a page at a time with `memcmp`, so that
/// opening a mostly empty 64 MiB segment costs a memory scan, not a frame parse per 8 bytes.
enum ZeroScan {
    private static let page = 4096
    private static let zeros = [UInt8](repeating: 0, count: page)

    /// The offset of the first nonzero byte at or after `start`.
    static func firstNonZero(_ buffer: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = buffer.baseAddress else { return nil }
        var offset = start
        return zeros.withUnsafeBytes { zeros in
            while offset < buffer.count {
                let length = min(page, buffer.count - offset)
                if memcmp(base + offset, zeros.baseAddress!, length) != 0 {
                    for index in offset..<(offset + length) where buffer[index] != 0 { return index }
                }
                offset += length
            }
            return nil
        }
    }

    /// The offset of the last nonzero byte.
    static func lastNonZero(_ buffer: UnsafeRawBufferPointer) -> Int? {
        guard let base = buffer.baseAddress else { return nil }
        var end = buffer.count
        return zeros.withUnsafeBytes { zeros in
            while end > 0 {
                let length = min(page, end)
                if memcmp(base + end - length, zeros.baseAddress!, length) != 0 {
                    for index in stride(from: end - 1, through: end - length, by: -1) where buffer[index] != 0 { return index }
                }
                end -= length
            }
            return nil
        }
    }
}
