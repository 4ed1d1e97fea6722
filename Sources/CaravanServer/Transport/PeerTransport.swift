import NIOCore
import NIOPosix
import Synchronization

/// The TCP transport raft servers use to talk to each other: it moves opaque byte frames and knows
/// nothing of what they mean.
///
/// A transport owns one listener, the connections it accepts (every frame read from any of them
/// goes to the `receive` closure given to ``start(host:port:group:receive:)``), and one outbound
/// connection per destination, opened on the first ``send(_:to:)`` and used only for sending.
/// Replies come back over the other server's own outbound connection to us.
///
/// While a destination is unreachable its frames queue up to 1,024 frames or 8 MiB, whichever
/// comes first, and beyond that the oldest are dropped: raft tolerates message loss and
/// retransmits. The same bound applies while a connected destination does not keep up. Reconnects
/// back off from 10 ms, doubling up to 1 s, and start over at 10 ms once a connect succeeds.
///
/// On the wire each frame is a 4-byte big-endian length followed by that many bytes; a length
/// above 64 MiB closes the connection.
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
    private let state = Mutex(State())

    private init(listener: any Channel, inbound: InboundConnections, group: any EventLoopGroup, localAddress: String) {
        self.listener = listener
        self.inbound = inbound
        self.group = group
        self.localAddress = localAddress
    }

    /// Binds a listener on `host:port` and starts accepting any number of inbound connections.
    ///
    /// The listener sets `SO_REUSEADDR`, so a restarted server can bind its port again while old
    /// connections linger in `TIME_WAIT`.
    ///
    /// - Parameters:
    ///   - host: The address to listen on.
    ///   - port: The port to listen on; 0 picks a free one (see ``localAddress``).
    ///   - group: The event loops that run the listener and every connection.
    ///   - receive: Called with every complete frame read from any inbound connection, on that
    ///     connection's event loop thread; it must not block.
    /// - Returns: The running transport.
    /// - Throws: What binding the listener throws.
    public static func start(
        host: String,
        port: Int,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        receive: @escaping @Sendable ([UInt8]) -> Void
    ) async throws -> PeerTransport {
        let inbound = InboundConnections()
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard inbound.adopt(channel) else { return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(FrameReceiver(receive: receive))
                }
            }
            .bind(host: host, port: port)
            .get()
        let bound = listener.localAddress
        let boundHost = bound?.ipAddress ?? host
        let localAddress = "\(boundHost.contains(":") ? "[\(boundHost)]" : boundHost):\(bound?.port ?? port)"
        return PeerTransport(listener: listener, inbound: inbound, group: group, localAddress: localAddress)
    }

    /// Queues `frame` for the server at `address` (`host:port`, or `[host]:port` for IPv6) and
    /// returns at once; callable from any thread or task.
    ///
    /// Frames to one destination are written in the order they were sent, over one connection
    /// opened on the first send. Frames are dropped silently after ``shutdown()``, when `address`
    /// is not `host:port`, and when longer than 64 MiB (no peer would accept them).
    public func send(_ frame: [UInt8], to address: String) {
        guard frame.count <= FrameCodec.maxFrameLength else { return }
        let connection = state.withLock { state -> OutboundConnection? in
            guard !state.isShutDown else { return nil }
            if let connection = state.outbound[address] { return connection }
            guard let (host, port) = Self.split(address) else { return nil }
            let connection = OutboundConnection(host: host, port: port, eventLoop: group.next())
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
