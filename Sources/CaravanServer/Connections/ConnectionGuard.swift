import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// The first handler of an API connection, on its raw bytes (before TLS and HTTP): counts the
/// connection against its client's limit, and holds the connection to its deadlines
/// (``ConnectionLimits``). ``RequestTracker``, after the HTTP codec, tells it where each request
/// and response stands.
///
/// At most one deadline runs at a time, for the phase the connection is in:
/// - no byte of a next request yet and no response owed: the idle timeout (the header timeout on
///   a connection that has sent nothing yet);
/// - bytes of a request arrived, its headers not yet read: the header timeout from the first byte;
/// - headers read, body not: the body timeout from the headers;
/// - every request read and a response owed: none (the handler's own bounds apply).
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The reading side of the connection.
    private enum Reading {
        /// Between requests; `since` is when the first byte of the next one arrived.
        case awaitingHead(firstByte: NIODeadline?)
        case body(since: NIODeadline)
    }

    private let limits: ConnectionLimits
    private let counts: ClientConnectionCounts
    private let isTLS: Bool
    private var countedAddress: String?
    /// Whether the connection was checked against its client's limit (once, when it became active).
    private var admitted = false
    private var reading = Reading.awaitingHead(firstByte: nil)
    /// Requests whose headers were read and whose response has not ended.
    private var unanswered = 0
    /// When the connection was accepted or its last response ended; nil after the first request.
    private var idleSince: NIODeadline
    private var hasServedRequest = false
    private var timer: (deadline: NIODeadline, task: Scheduled<Void>)?
    private var context: ChannelHandlerContext?
    /// Set by the connection's ``RequestTracker`` once it is in the pipeline.
    weak var tracker: RequestTracker?

    init(limits: ConnectionLimits, counts: ClientConnectionCounts, isTLS: Bool) {
        self.limits = limits
        self.counts = counts
        self.isTLS = isTLS
        self.idleSince = .now()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { admit(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    /// Forgets the connection's place in its client's count and cancels its deadline.
    private func stop() {
        if let countedAddress { counts.close(countedAddress) }
        countedAddress = nil
        timer?.task.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if isTLS, !hasServedRequest, case .awaitingHead(firstByte: nil) = reading, let first = unwrapInboundIn(data).readableBytesView.first,
            first != Self.tlsHandshakeRecord
        {
            return refusePlainHTTP(context)
        }
        if case .awaitingHead(firstByte: nil) = reading {
            reading = .awaitingHead(firstByte: .now())
            rescheduleDeadline()
        }
        context.fireChannelRead(data)
    }

    // MARK: What the tracker reports

    func requestHeadRead() {
        reading = .body(since: .now())
        unanswered += 1
        hasServedRequest = true
        rescheduleDeadline()
    }

    func requestEnded() {
        reading = .awaitingHead(firstByte: nil)
        rescheduleDeadline()
    }

    func responseEnded() {
        unanswered = max(0, unanswered - 1)
        idleSince = .now()
        rescheduleDeadline()
    }

    // MARK: Limits

    private func admit(_ context: ChannelHandlerContext) {
        guard !admitted else { return }
        admitted = true
        guard limits.maxConnectionsPerClient > 0,
            let address = context.channel.remoteAddress?.ipAddress
        else { return rescheduleDeadline() }
        guard counts.open(address) else {
            refuse(context)
            return
        }
        countedAddress = address
        rescheduleDeadline()
    }

    /// Answers a connection past its client's limit: plain HTTP gets a 429 as Nomad writes it; a
    /// TLS connection, which has not shaken hands, is closed.
    private func refuse(_ context: ChannelHandlerContext) {
        if !isTLS {
            let body = "Your IP is issuing too many concurrent connections, please rate limit your calls\n"
            let response =
                "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\r\n" + body
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response)), promise: nil)
        }
        context.close(promise: nil)
    }

    /// The first byte of every TLS connection: a handshake record.
    private static let tlsHandshakeRecord: UInt8 = 0x16

    /// Answers plain HTTP sent to the HTTPS port as Go's server (and so Nomad) does, and closes.
    private func refusePlainHTTP(_ context: ChannelHandlerContext) {
        let response = "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response)), promise: nil)
        context.close(promise: nil)
    }

    // MARK: Deadlines

    private enum Expiry {
        case idle
        case headers
        case body
    }

    private var nextDeadline: (NIODeadline, Expiry)? {
        switch reading {
        case .body(let since):
            return (since + TimeAmount(limits.bodyTimeout), .body)
        case .awaitingHead(let firstByte?):
            return (firstByte + TimeAmount(limits.headerTimeout), .headers)
        case .awaitingHead(nil):
            guard unanswered == 0 else { return nil }
            return hasServedRequest ? (idleSince + TimeAmount(limits.idleTimeout), .idle) : (idleSince + TimeAmount(limits.headerTimeout), .headers)
        }
    }

    private func rescheduleDeadline() {
        guard let context else { return }
        let next = nextDeadline
        if let timer, timer.deadline == next?.0 { return }
        timer?.task.cancel()
        timer = nil
        guard let (deadline, _) = next else { return }
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            deadlinePassed()
        }
        timer = (deadline, task)
    }

    private func deadlinePassed() {
        timer = nil
        guard let context, let (deadline, expiry) = nextDeadline else { return }
        guard deadline <= .now() else { return rescheduleDeadline() }
        switch expiry {
        case .idle:
            context.close(promise: nil)
        case .headers:
            timeOut("the request's headers did not arrive within \(limits.headerTimeout)", context)
        case .body:
            timeOut("the request's body did not arrive within \(limits.bodyTimeout)", context)
        }
    }

    /// Answers `408 Request Timeout` through the tracker (unless a response is under way or TLS
    /// has not shaken hands) and closes the connection.
    private func timeOut(_ reason: String, _ context: ChannelHandlerContext) {
        if let tracker {
            tracker.answerAndClose(status: .requestTimeout, reason)
        } else {
            context.close(promise: nil)
        }
    }
}
