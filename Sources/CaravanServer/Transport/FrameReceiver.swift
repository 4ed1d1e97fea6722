import Logging
import NIOCore

/// Hands every decoded frame of an inbound connection to the transport's receiver, with the
/// connection it came on; closes the connection on any error (such as an oversized frame
/// length), when its first frame does not arrive within the deadline, and when it then goes
/// without a frame for the idle timeout: an idle or half-open connection may not hold a slot for
/// ever.
final class FrameReceiver: ChannelInboundHandler {
    typealias InboundIn = [UInt8]

    private let receive: @Sendable ([UInt8], PeerConnection) -> Void
    private let connection: PeerConnection
    private let firstFrameDeadline: TimeAmount
    private let idleTimeout: TimeAmount
    private let log: RateLimitedLog
    private var deadline: Scheduled<Void>?
    private var idleCheck: Scheduled<Void>?
    private var receivedFrame = false
    /// Frames since the idle check last looked.
    private var recentFrames = 0

    init(
        connection: PeerConnection, firstFrameDeadline: TimeAmount, idleTimeout: TimeAmount, log: RateLimitedLog,
        receive: @escaping @Sendable ([UInt8], PeerConnection) -> Void
    ) {
        self.connection = connection
        self.firstFrameDeadline = firstFrameDeadline
        self.idleTimeout = idleTimeout
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
        idleCheck?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        recentFrames += 1
        if !receivedFrame {
            receivedFrame = true
            deadline?.cancel()
            scheduleIdleCheck(on: context.eventLoop)
        }
        receive(unwrapInboundIn(data), connection)
    }

    /// An oversized frame is a refusal; any other error is the connection ending (a peer that
    /// stops or crashes resets it), which is not.
    /// Looks once every idle timeout: a connection with no frame since the last look has been
    /// idle for at least that long, and is closed.
    private func scheduleIdleCheck(on eventLoop: any EventLoop) {
        idleCheck = eventLoop.assumeIsolated().scheduleTask(in: idleTimeout) { [self] in
            guard recentFrames > 0 else {
                connection.close()
                return
            }
            recentFrames = 0
            scheduleIdleCheck(on: eventLoop)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? FrameTooLong {
            log.warning("raft-frame-size", "raft port: closed \(connection.remoteAddress): \(error)")
        }
        context.close(promise: nil)
    }
}
