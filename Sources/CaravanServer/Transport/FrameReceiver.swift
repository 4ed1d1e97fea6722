import NIOCore

/// Hands every decoded frame of an inbound connection to the transport's receiver, and closes the
/// connection on any error (such as an oversized frame length).
final class FrameReceiver: ChannelInboundHandler {
    typealias InboundIn = [UInt8]

    private let receive: @Sendable ([UInt8]) -> Void

    init(receive: @escaping @Sendable ([UInt8]) -> Void) {
        self.receive = receive
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        receive(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
