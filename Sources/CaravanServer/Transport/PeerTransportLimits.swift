import NIOCore

/// The raft port's bounds: how much connections to it may make a server hold, and what a server
/// holds for each peer it sends to. The defaults leave room for every peer of a large cluster
/// several times over and bound what anyone else can take.
public struct PeerTransportLimits: Sendable {
    /// Open inbound connections in all, in connections.
    public var maxConnections = 256
    /// Open inbound connections from one IP address, in connections (Nomad's
    /// `rpc_max_conns_per_client` is 100).
    public var maxConnectionsPerAddress = 32
    /// How long a new connection has to deliver its first frame, TLS handshake included.
    public var firstFrameDeadline = TimeAmount.seconds(10)
    /// How long a connection may then go without a frame before it is closed (a live peer's
    /// connection carries heartbeats or their answers many times a second; one between two
    /// followers, used only in elections, is simply opened again when next needed).
    public var idleTimeout = TimeAmount.seconds(60)
    /// The longest frame accepted, in bytes (checked on the length prefix, before anything is
    /// buffered for it); the largest a server sends is an entry of a maximal request, well under
    /// it. Frames longer than this are not sent either.
    public var maxFrameLength = 16 << 20
    /// Frames queued for one peer while its connection is down or slow, in frames; past it the
    /// oldest are dropped (raft sends again what it still needs).
    public var outboundQueueFrames = 1024
    /// Bytes of frames queued for one peer; past it the oldest frames are dropped, though the
    /// newest is always kept.
    public var outboundQueueBytes = 8 << 20
    /// How long one attempt to connect to a peer may take before it counts as failed (then it
    /// is retried with back-off, 10 ms doubling to 1 s: `Backoff`).
    public var connectTimeout = TimeAmount.seconds(2)

    public init() {}
}
