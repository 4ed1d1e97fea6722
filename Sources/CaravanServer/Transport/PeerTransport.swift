public import Logging
public import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The TCP transport raft servers use to talk to each other: it moves opaque byte frames and knows
/// nothing of what they mean.
///
/// A transport owns one listener, the connections it accepts (every frame read from any of them
/// goes to the `receive` closure given to ``start(host:port:group:tls:limits:logger:receive:)``,
/// with the ``PeerConnection`` it came on), and one outbound connection per destination, opened on
/// the first ``send(_:to:)`` and used only for sending. Replies come back over the other server's
/// own outbound connection to us.
///
/// With ``PeerTLS`` every connection, both ways, is mutual TLS between servers of the cluster; a
/// connection that fails the handshake or presents another name is closed before a frame is
/// read. Inbound connections are capped in all and per IP address, must deliver a frame within a
/// deadline, and may not announce a frame longer than the limit (``PeerTransportLimits``); each
/// refusal is logged, at most one line per kind every ten seconds.
///
/// While a destination is unreachable its frames queue up to 1,024 frames or 8 MiB, whichever
/// comes first, and beyond that the oldest are dropped: raft tolerates message loss and
/// retransmits. The same bound applies while a connected destination does not keep up. Reconnects
/// back off from 10 ms, doubling up to 1 s, and start over at 10 ms once a connect succeeds.
///
/// On the wire each frame is a 4-byte big-endian length followed by that many bytes; a length
/// above the limit (16 MiB by default) closes the connection.
///
/// ```swift
/// let transport = try await PeerTransport.start(host: "127.0.0.1", port: 4647) { frame in
///     inbox.deliver(frame)
/// }
/// transport.send(message, to: "10.0.0.2:4647")
/// await transport.shutdown()
/// ```
public final class PeerTransport: Sendable {
    private struct State {
        var outbound: [String: OutboundConnection] = [:]
        var isShutDown = false
    }

    /// The address the listener is bound to, as `host:port` (`[host]:port` for IPv6), with the
    /// real port when port 0 was asked for.
    public let localAddress: String

    private let listener: any Channel
    private let inbound: InboundConnections
    private let group: any EventLoopGroup
    private let tls: PeerTLS?
    private let limits: PeerTransportLimits
    private let log: RateLimitedLog
    private let state = Mutex(State())

    private init(
        listener: any Channel, inbound: InboundConnections, group: any EventLoopGroup, tls: PeerTLS?, limits: PeerTransportLimits,
        log: RateLimitedLog, localAddress: String
    ) {
        self.listener = listener
        self.inbound = inbound
        self.group = group
        self.tls = tls
        self.limits = limits
        self.log = log
        self.localAddress = localAddress
    }

    /// Inbound connections refused or closed for breaking the rules so far: over a limit, a failed
    /// TLS handshake or certificate check, no frame in time, an oversized frame.
    public var refusedConnections: Int { log.count }

    /// Binds a listener on `host:port` and starts accepting any number of inbound connections.
    ///
    /// The listener sets `SO_REUSEADDR`, so a restarted server can bind its port again while old
    /// connections linger in `TIME_WAIT`.
    ///
    /// - Parameters:
    ///   - host: The address to listen on.
    ///   - port: The port to listen on; 0 picks a free one (see ``localAddress``).
    ///   - group: The event loops that run the listener and every connection.
    ///   - tls: Mutual TLS for every connection, or `nil` for plain TCP.
    ///   - limits: What inbound connections may take.
    ///   - logger: Where refused connections and frames are reported.
    ///   - receive: Called with every complete frame read from any inbound connection and the
    ///     connection it came on, on that connection's event loop thread; it must not block.
    /// - Returns: The running transport.
    /// - Throws: What binding the listener throws.
    public static func start(
        host: String,
        port: Int,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        tls: PeerTLS? = nil,
        limits: PeerTransportLimits = PeerTransportLimits(),
        logger: Logger = Logger(label: "caravan.raft"),
        receive: @escaping @Sendable ([UInt8], PeerConnection) -> Void
    ) async throws -> PeerTransport {
        let inbound = InboundConnections(limits: limits)
        let log = RateLimitedLog(logger: logger)
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let id: UInt64
                switch inbound.adopt(channel) {
                case .success(let adopted): id = adopted
                case .failure(let refusal):
                    log.warning("raft-limit", "raft port: refused a connection from \(channel.remoteAddress?.description ?? "unknown"): \(refusal)")
                    return channel.eventLoop.makeFailedFuture(refusal)
                }
                let connection = PeerConnection(id: id, channel: channel, isAuthenticated: tls != nil)
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(NIOSSLServerHandler(context: tls.serverContext))
                        try pipeline.addHandler(PeerCertificateCheck(tls: tls, log: log))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameLength: limits.maxFrameLength)))
                    try pipeline.addHandler(
                        FrameReceiver(
                            connection: connection, firstFrameDeadline: limits.firstFrameDeadline, idleTimeout: limits.idleTimeout, log: log,
                            receive: receive))
                }
            }
            .bind(host: host, port: port)
            .get()
        let bound = listener.localAddress
        let boundHost = bound?.ipAddress ?? host
        let localAddress = "\(boundHost.contains(":") ? "[\(boundHost)]" : boundHost):\(bound?.port ?? port)"
        return PeerTransport(
            listener: listener, inbound: inbound, group: group, tls: tls, limits: limits, log: log,
            localAddress: localAddress)
    }

    /// Queues `frame` for the server at `address` (`host:port`, or `[host]:port` for IPv6) and
    /// returns at once; callable from any thread or task.
    ///
    /// Frames to one destination are written in the order they were sent, over one connection
    /// opened on the first send. Frames are dropped silently after ``shutdown()``, when `address`
    /// is not `host:port`, and when longer than the frame limit (no peer would accept them).
    public func send(_ frame: [UInt8], to address: String) {
        guard frame.count <= limits.maxFrameLength else { return }
        let connection = state.withLock { state -> OutboundConnection? in
            guard !state.isShutDown else { return nil }
            if let connection = state.outbound[address] { return connection }
            guard let (host, port) = Self.split(address) else { return nil }
            let connection = OutboundConnection(host: host, port: port, eventLoop: group.next(), tls: tls, limits: limits, log: log)
            state.outbound[address] = connection
            return connection
        }
        connection?.enqueue(frame)
    }

    /// Closes the listener, every inbound and outbound connection, and drops queued frames;
    /// returns once they are closed. Later sends are dropped silently.
    public func shutdown() async {
        let outbound = state.withLock { state in
            state.isShutDown = true
            defer { state.outbound = [:] }
            return Array(state.outbound.values)
        }
        listener.close(promise: nil)
        try? await listener.closeFuture.get()
        await inbound.closeAll()
        for connection in outbound { await connection.shutdown() }
    }

    /// `host:port` or `[host]:port` split into its parts.
    private static func split(_ address: String) -> (host: String, port: Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = address[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { return nil }
        return (String(host), port)
    }
}
