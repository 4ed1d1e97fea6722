import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Sits after an API connection's HTTP codec: tells its ``ConnectionGuard`` where each request and
/// response stands, and turns the codec's framing errors into the client's error: `400 Bad
/// Request` naming what was malformed, then the connection closed (the request's handler, if it
/// was reading the body, sees the connection end and its answer goes nowhere).
final class RequestTracker: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private weak var connectionGuard: ConnectionGuard?
    private var context: ChannelHandlerContext?
    /// Whether a response has begun and not ended: an error answer then cannot be sent.
    private var responseUnderWay = false
    private var closing = false

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        connectionGuard = try? context.pipeline.syncOperations.handler(type: ConnectionGuard.self)
        connectionGuard?.tracker = self
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head: connectionGuard?.requestHeadRead()
        case .body: break
        case .end: connectionGuard?.requestEnded()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.kind != .informational: responseUnderWay = true
        case .head, .body: break
        case .end:
            responseUnderWay = false
            connectionGuard?.responseEnded()
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        answerAndClose(status: .badRequest, "malformed request: \(Self.describe(error))")
    }

    /// Answers `status` with `reason` as a text/plain body, unless a response is under way, and
    /// closes the connection.
    func answerAndClose(status: HTTPResponse.Status, _ reason: String) {
        guard let context, !closing else { return }
        closing = true
        if !responseUnderWay {
            let body = ByteBuffer(string: reason)
            let head = HTTPResponse(
                status: status,
                headerFields: [.contentType: "text/plain; charset=utf-8", .contentLength: String(body.readableBytes), .connection: "close"])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(body)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.close(promise: nil)
    }

    /// The codec's error in words a client can act on.
    static func describe(_ error: HTTPParserError) -> String {
        switch error {
        case .invalidEOFState: "the connection ended before the request did"
        case .unknown: "the request could not be parsed (an unsupported Transfer-Encoding?)"
        default: String(describing: error)
        }
    }
}
