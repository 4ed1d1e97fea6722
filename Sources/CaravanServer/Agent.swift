import CaravanAdmission
public import CaravanCore
public import CaravanDurability
import CaravanState
import Foundation
public import Hummingbird
import HummingbirdCore
public import Logging

/// How to run an agent.
public struct AgentConfiguration: Sendable {
    public var httpHost: String
    public var httpPort: Int
    public var api: APIConfiguration
    /// Where the server keeps its log and snapshots; `nil` keeps them in memory (`-dev`).
    public var dataDirectory: String?
    public var durability: DurabilityOptions
    /// This server and how it finds its cluster; a standalone server by default.
    public var membership: ClusterMembership
    public var timing: ClusterTiming
    /// Whether requests are checked against ACL tokens (`-acl-enabled`); off, every request is
    /// allowed, as in Nomad.
    public var aclEnabled: Bool
    /// The raft port's TLS and limits.
    public var peers: PeerTransportOptions
    /// The bounds on the server's queues, parked queries and response cache.
    public var limits: ServerLimits
    /// The bounds on the API's connections: per client, deadlines, in all.
    public var connections: ConnectionLimits
    /// HTTPS for the API, or `nil` for plain HTTP.
    public var https: APITLS?

    public init(
        httpHost: String = "127.0.0.1", httpPort: Int = 4646, api: APIConfiguration = APIConfiguration(),
        dataDirectory: String? = nil, durability: DurabilityOptions = DurabilityOptions(),
        membership: ClusterMembership = .standalone(), timing: ClusterTiming = ClusterTiming(), aclEnabled: Bool = false,
        peers: PeerTransportOptions = PeerTransportOptions(), limits: ServerLimits = ServerLimits(),
        connections: ConnectionLimits = ConnectionLimits(), https: APITLS? = nil
    ) {
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.api = api
        self.dataDirectory = dataDirectory
        self.durability = durability
        self.membership = membership
        self.timing = timing
        self.aclEnabled = aclEnabled
        self.peers = peers
        self.limits = limits
        self.connections = connections
        self.https = https
    }
}

/// A Caravan agent: one server node and the HTTP API in front of it.
public struct Agent: Sendable {
    public let node: ServerNode
    public let configuration: AgentConfiguration
    /// Held while the agent lives, so that no second agent opens its data directory.
    private let dataDirectoryLock: DataDirectory.Lock?

    /// Starts the server: in memory, or recovered from the configured data directory.
    public init(configuration: AgentConfiguration) throws {
        let admission = Admission(aclEnabled: configuration.aclEnabled)
        if let path = configuration.dataDirectory {
            let directory = try DataDirectory(path: path)
            let lock = try directory.lock()
            self.node = try ServerNode(
                directory: directory, durability: configuration.durability, membership: configuration.membership,
                timing: configuration.timing, admission: admission, clock: configuration.api.clock, peers: configuration.peers,
                limits: configuration.limits)
            self.dataDirectoryLock = lock
        } else {
            self.node = ServerNode(admission: admission, clock: configuration.api.clock, limits: configuration.limits)
            self.dataDirectoryLock = nil
        }
        self.configuration = configuration
    }

    /// An agent in front of an existing server node.
    public init(node: ServerNode, configuration: AgentConfiguration) {
        self.node = node
        self.configuration = configuration
        self.dataDirectoryLock = nil
    }

    /// The Hummingbird application serving the API, each connection set up by ``APIChannel``.
    public func application(logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let connections = configuration.connections
        let https = configuration.https
        let ceiling = connections.maxConnections ?? FileDescriptorLimit.current - ConnectionLimits.reservedDescriptors
        return Application(
            responder: CaravanAPI(node: node, configuration: configuration.api),
            server: HTTPServerBuilder { responder in APIChannel(responder: responder, limits: connections, tls: https) },
            configuration: .init(
                address: .hostname(configuration.httpHost, port: configuration.httpPort),
                serverName: "caravan",
                backlog: 4096,
                availableConnectionsDelegate: ConnectionCeiling(maximum: max(1, ceiling), logger: logger)
            ),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Starts the server's clock and peer transport, then serves until SIGINT or SIGTERM;
    /// `onServerRunning` gets the port the API listens on. On the signal the HTTP server stops
    /// taking requests and answers those under way, then the server stops gracefully
    /// (``ServerNode/stop()``).
    public func run(logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        FileDescriptorLimit.raiseToHardLimit()
        try await node.start()
        try await application(logger: logger, onServerRunning: onServerRunning).runService()
        await node.stop()
        logger.info("caravan agent: stopped at applied index \(node.store.state.index)")
    }
}
