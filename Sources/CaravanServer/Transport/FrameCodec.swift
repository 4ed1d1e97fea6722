import NIOCore

/// The wire format peers exchange: each frame is a 4-byte big-endian length followed by that
/// many bytes.
enum FrameCodec {
    /// The size of the length prefix.
    static let headerLength = 4
}

extension ByteBuffer {
    /// Appends `frame` in the wire format.
    mutating func writeFrame(_ frame: [UInt8]) {
        writeInteger(UInt32(frame.count), endianness: .big)
        writeBytes(frame)
    }
}

/// Cuts an inbound byte stream into frames; throws (and so gets the connection closed) on a
/// length above `maxFrameLength`, read from the prefix before any of the frame is buffered.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    let maxFrameLength: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
            return .needMoreData
        }
        guard length <= maxFrameLength else { throw FrameTooLong(length: Int(length), limit: maxFrameLength) }
        guard buffer.readableBytes >= FrameCodec.headerLength + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: FrameCodec.headerLength)
        let frame = buffer.readBytes(length: Int(length))!
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    /// Delivers the complete frames still buffered when the stream ends; a trailing partial frame
    /// is lost with the connection.
    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}

/// A frame's length prefix named more bytes than the receiver accepts.
struct FrameTooLong: Error, CustomStringConvertible {
    let length: Int
    let limit: Int

    var description: String { "a frame of \(length) bytes (the limit is \(limit))" }
}
