import CLZ4

/// Why LZ4 frame compression or decompression failed.
public struct LZ4Error: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }

    static func library(_ code: Int) -> LZ4Error { LZ4Error(String(cString: LZ4F_getErrorName(code))) }
}

/// LZ4 frames (the format `lz4` writes and reads), through liblz4: what snapshot files are made
/// of. Frames carry their content size and a content checksum, so a damaged snapshot is an error
/// on read, not wrong state.
public enum LZ4Frame {
    /// Compresses `bytes` into one frame (fast level, content checksum on).
    public static func compress(_ bytes: [UInt8], level: Int32 = 1) throws(LZ4Error) -> [UInt8] {
        var preferences = LZ4F_preferences_t()
        preferences.compressionLevel = level
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        preferences.frameInfo.contentSize = UInt64(bytes.count)
        let bound = LZ4F_compressFrameBound(bytes.count, &preferences)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { destination in
            bytes.withUnsafeBytes { source in
                LZ4F_compressFrame(destination.baseAddress, bound, source.baseAddress, bytes.count, &preferences)
            }
        }
        guard LZ4F_isError(written) == 0 else { throw .library(written) }
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses one frame. A truncated or damaged frame is an error.
    public static func decompress(_ frame: [UInt8]) throws(LZ4Error) -> [UInt8] {
        var context: OpaquePointer?
        let created = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(created) == 0, let context else { throw .library(created) }
        defer { LZ4F_freeDecompressionContext(context) }

        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var consumed = 0
        var hint = 1
        while consumed < frame.count {
            var sourceSize = frame.count - consumed
            var destinationSize = chunk.count
            hint = chunk.withUnsafeMutableBytes { destination in
                frame.withUnsafeBytes { source in
                    LZ4F_decompress(
                        context, destination.baseAddress, &destinationSize, source.baseAddress! + consumed, &sourceSize, nil)
                }
            }
            guard LZ4F_isError(hint) == 0 else { throw .library(hint) }
            output.append(contentsOf: chunk[..<destinationSize])
            consumed += sourceSize
            if hint == 0 { break }
            if sourceSize == 0 && destinationSize == 0 { break }
        }
        guard hint == 0 else { throw LZ4Error("truncated LZ4 frame") }
        guard consumed == frame.count else { throw LZ4Error("\(frame.count - consumed) bytes after the LZ4 frame") }
        return output
    }
}
