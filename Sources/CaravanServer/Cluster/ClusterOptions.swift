public import CaravanRaft
public import Logging

/// Who this server is and how it finds the rest of its cluster.
public struct ClusterMembership: Sendable {
    /// This server as its peers see it.
    public var server: Server
    /// How many servers a new cluster waits for before it bootstraps (`-bootstrap-expect`);
    /// 1 starts a single-server cluster at once.
    public var bootstrapExpect: Int
    /// Raft addresses of servers to introduce this one to (`-join`).
    public var join: [String]

    public init(server: Server, bootstrapExpect: Int = 1, join: [String] = []) {
        self.server = server
        self.bootstrapExpect = bootstrapExpect
        self.join = join
    }

    /// A server that is a cluster of its own (`-dev`, or `-data-dir` without `-raft-addr`).
    public static func standalone(name: String = "caravan") -> ClusterMembership {
        ClusterMembership(server: Server(id: Server.id(named: name), name: name, raftAddress: "", httpAddress: "", isVoter: true))
    }
}

/// The runtime's timing: how ticks of the raft core map to real time, and how long a request
/// waits for a leader.
public struct ClusterTiming: Sendable {
    /// One tick; the leader sends heartbeats every tick.
    public var heartbeatInterval: Duration
    /// The election timeout, a whole number of ticks (at least 2); followers wait a random time
    /// between it and twice it.
    public var electionTimeout: Duration
    /// How long a write or a read waits for a leader before answering `No cluster leader`.
    public var leaderWait: Duration

    public init(
        heartbeatInterval: Duration = .milliseconds(100), electionTimeout: Duration = .seconds(1), leaderWait: Duration = .seconds(5)
    ) {
        self.heartbeatInterval = heartbeatInterval
        self.electionTimeout = electionTimeout
        self.leaderWait = leaderWait
    }

    var electionTicks: Int {
        max(2, Int((electionTimeout / heartbeatInterval).rounded()))
    }
}

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
