import NIOCore

/// How much connections to the raft port may make a server hold. The defaults leave room for
/// every peer of a large cluster several times over and bound what anyone else can take.
public struct PeerTransportLimits: Sendable {
    /// Open inbound connections in all.
    public var maxConnections = 256
    /// Open inbound connections from one IP address (Nomad's `rpc_max_conns_per_client` is 100).
    public var maxConnectionsPerAddress = 32
    /// How long a new connection has to deliver its first frame, TLS handshake included.
    public var firstFrameDeadline = TimeAmount.seconds(10)
    /// How long a connection may then go without a frame before it is closed (a live peer's
    /// connection carries heartbeats or their answers many times a second; one between two
    /// followers, used only in elections, is simply opened again when next needed).
    public var idleTimeout = TimeAmount.seconds(60)
    /// The longest frame accepted (checked on the length prefix, before anything is buffered
    /// for it); the largest a server sends is an entry of a maximal request, well under it.
    public var maxFrameLength = 16 << 20

    public init() {}
}
