import CaravanCore
public import CaravanRaft
public import Logging

/// What `/v1/status`, `/v1/operator/raft` and the response headers report, refreshed after
/// every step of the raft core.
public struct ClusterStatus: Sendable {
    public var role = Role.follower
    public var term: UInt64 = 0
    /// The leader this server knows of, if any.
    public var leader: Server?
    public var configuration = Configuration()
    public var commitIndex: UInt64 = 0
    public var appliedIndex: UInt64 = 0
    public var lastLogIndex: UInt64 = 0
    /// When this server last heard from its leader (now, on the leader).
    public var lastContact: ContinuousClock.Instant?
    /// Entries per AppendEntries message this server sent, as leader.
    public var appendMessages = 0
    public var appendedEntries = 0

    public var isLeader: Bool { role == .leader }
    public var knownLeader: Bool { leader != nil }

    /// Milliseconds since the leader was last heard from; 0 on the leader.
    public var lastContactMilliseconds: Int64 {
        guard !isLeader, let lastContact else { return 0 }
        let elapsed = ContinuousClock.now - lastContact
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}

/// How this server's raft port talks to its peers: mutual TLS (or plain TCP), the limits on
/// inbound connections, and where refused connections and frames are logged.
public struct PeerTransportOptions: Sendable {
    /// Mutual TLS between servers; `nil` leaves the raft port unauthenticated.
    public var tls: PeerTLS?
    public var limits: PeerTransportLimits
    public var logger: Logger

    public init(tls: PeerTLS? = nil, limits: PeerTransportLimits = PeerTransportLimits(), logger: Logger = Logger(label: "caravan.raft")) {
        self.tls = tls
        self.limits = limits
        self.logger = logger
    }
}
