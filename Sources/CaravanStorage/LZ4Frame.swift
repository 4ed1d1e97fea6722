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
    /// Compresses `bytes` into one frame (fast level, content size and content checksum on).
    public static func compress(_ bytes: [UInt8], level: Int32 = 1) throws(LZ4Error) -> [UInt8] {
        var preferences = LZ4F_preferences_t()
        preferences.compressionLevel = level
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        preferences.frameInfo.contentSize = UInt64(bytes.count)
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.frameInfo.blockSizeID = LZ4F_max4MB
        let bound = LZ4F_compressFrameBound(bytes.count, &preferences)
        var result = 0
        let output = [UInt8](unsafeUninitializedCapacity: bound) { destination, count in
            result = bytes.withUnsafeBytes { source in
                LZ4F_compressFrame(destination.baseAddress, bound, source.baseAddress, bytes.count, &preferences)
            }
            count = LZ4F_isError(result) == 0 ? result : 0
        }
        guard LZ4F_isError(result) == 0 else { throw .library(result) }
        return output
    }

    /// Decompresses one frame. A truncated or damaged frame, or bytes after it, are errors.
    public static func decompress(_ frame: [UInt8]) throws(LZ4Error) -> [UInt8] {
        var context: OpaquePointer?
        let created = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(created) == 0, let context else { throw .library(created) }
        defer { LZ4F_freeDecompressionContext(context) }

        let result = frame.withUnsafeBytes { source in
            Result { () throws(LZ4Error) -> [UInt8] in try decompress(source, context: context) }
        }
        return try result.get()
    }

    private static func decompress(_ source: UnsafeRawBufferPointer, context: OpaquePointer) throws(LZ4Error) -> [UInt8] {
        var info = LZ4F_frameInfo_t()
        var headerSize = source.count
        var hint = LZ4F_getFrameInfo(context, &info, source.baseAddress, &headerSize)
        guard LZ4F_isError(hint) == 0 else { throw .library(hint) }
        var consumed = headerSize
        var options = LZ4F_decompressOptions_t()
        options.stableDst = 1
        // Caravan's frames carry their content size: decompress straight into an output of that
        // size, plus one byte so that a frame holding more than it claims is caught. Other frames
        // grow the output as they go.
        var capacity = info.contentSize > 0 ? Int(info.contentSize) + 1 : 1 << 16
        var output = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        var failure: LZ4Error?
        while consumed < source.count, hint != 0 {
            if produced == capacity {
                capacity *= 2
                output.append(contentsOf: [UInt8](repeating: 0, count: capacity - produced))
            }
            var destinationSize = capacity - produced
            var sourceSize = source.count - consumed
            output.withUnsafeMutableBytes { buffer in
                hint = LZ4F_decompress(
                    context, buffer.baseAddress! + produced, &destinationSize, source.baseAddress! + consumed, &sourceSize, &options)
            }
            if LZ4F_isError(hint) != 0 { failure = .library(hint) }
            if let failure { throw failure }
            consumed += sourceSize
            produced += destinationSize
            if sourceSize == 0 && destinationSize == 0 { break }
        }
        output.removeLast(capacity - produced)
        guard hint == 0 else { throw LZ4Error("truncated LZ4 frame") }
        guard consumed == source.count else { throw LZ4Error("\(source.count - consumed) bytes after the LZ4 frame") }
        if info.contentSize > 0, output.count != Int(info.contentSize) {
            throw LZ4Error("frame holds \(output.count) bytes, its header says \(info.contentSize)")
        }
        return output
    }
}
