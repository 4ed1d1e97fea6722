import Logging
import NIOCore

/// Hands every decoded frame of an inbound connection to the transport's receiver, with the
/// connection it came on; closes the connection on any error (such as an oversized frame length)
/// and when its first frame does not arrive within the deadline (an idle or half-open
/// connection may not hold a slot for ever).
final class FrameReceiver: ChannelInboundHandler {
    typealias InboundIn = [UInt8]

    private let receive: @Sendable ([UInt8], PeerConnection) -> Void
    private let connection: PeerConnection
    private let firstFrameDeadline: TimeAmount
    private let log: RateLimitedLog
    private var deadline: Scheduled<Void>?
    private var receivedFrame = false

    init(
        connection: PeerConnection, firstFrameDeadline: TimeAmount, log: RateLimitedLog,
        receive: @escaping @Sendable ([UInt8], PeerConnection) -> Void
    ) {
        self.connection = connection
        self.firstFrameDeadline = firstFrameDeadline
        self.log = log
        self.receive = receive
    }

    func channelActive(context: ChannelHandlerContext) {
        let connection = self.connection
        let log = self.log
        let seconds = firstFrameDeadline.nanoseconds / 1_000_000_000
        deadline = context.eventLoop.scheduleTask(in: firstFrameDeadline) {
            log.warning("raft-idle", "raft port: closed \(connection.remoteAddress): no frame within \(seconds) s of connecting")
            connection.close()
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !receivedFrame {
            receivedFrame = true
            deadline?.cancel()
        }
        receive(unwrapInboundIn(data), connection)
    }

    /// An oversized frame is a refusal; any other error is the connection ending (a peer that
    /// stops or crashes resets it), which is not.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? FrameTooLong {
            log.warning("raft-frame-size", "raft port: closed \(connection.remoteAddress): \(error)")
        }
        context.close(promise: nil)
    }
}
