import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// How each accepted API connection is set up: its ``ConnectionGuard`` first (on raw bytes),
/// then TLS if the API serves HTTPS, then Hummingbird's HTTP/1.1 channel with a
/// ``RequestTracker`` after its codec.
struct APIChannel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value

    private let http: HTTP1Channel
    let limits: ConnectionLimits
    let counts: ClientConnectionCounts
    let tls: APITLS?

    init(responder: @escaping HTTPChannelHandler.Responder, limits: ConnectionLimits, tls: APITLS?) {
        http = HTTP1Channel(responder: responder, configuration: .init(additionalChannelHandlers: [RequestTracker()]))
        self.limits = limits
        self.counts = ClientConnectionCounts(limit: limits.maxConnectionsPerClient)
        self.tls = tls
    }

    var responder: HTTPChannelHandler.Responder { http.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ConnectionGuard(limits: limits, counts: counts, isTLS: tls != nil))
            if let tls {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context))
            }
        }.flatMap {
            http.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http.handle(value: value, logger: logger)
    }
}

/// Stops accepting API connections while ``ConnectionLimits/maxConnections`` are open, so that
/// running out of file descriptors never makes the accept loop fail over and over; logs when it
/// stops and when it accepts again.
struct ConnectionCeiling: AvailableConnectionsDelegate {
    let maximum: Int
    let logger: Logger
    var open = 0

    mutating func connectionOpened() {
        open += 1
        if open == maximum {
            logger.warning("caravan agent: \(maximum) API connections open, the most this process takes; new connections wait until one closes")
        }
    }

    mutating func connectionClosed() {
        if open == maximum { logger.notice("caravan agent: accepting API connections again") }
        open -= 1
    }

    func isAcceptingNewConnections() -> Bool { open < maximum }
}
