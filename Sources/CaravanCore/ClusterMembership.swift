public import CaravanRaft

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

    public var electionTicks: Int {
        max(2, Int((electionTimeout / heartbeatInterval).rounded()))
    }
}

