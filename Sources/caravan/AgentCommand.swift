import ArgumentParser
import CaravanCertificates
import CaravanCore
import CaravanDurability
import CaravanRaft
import CaravanServer
import CaravanState
import Logging

/// `caravan agent`: runs a server.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run a Caravan server.",
        discussion: """
            Either -dev (one server, state in memory) or -data-dir DIR (a durable log and snapshots in DIR). \
            With -raft-addr the server joins a raft cluster: -bootstrap-expect N servers that know each other \
            through -join start a new one. With -ca-cert, -cert-file and -key-file (made by caravan tls) servers \
            authenticate each other with mutual TLS, and a fresh server started with -join is added to a running \
            cluster by itself; without them the raft port is unauthenticated and an operator adds it \
            (caravan operator raft add-peer).
            """
    )

    @Flag(name: .customLong("dev", withSingleDash: true), help: "Development mode: one server, state in memory.")
    var dev = false

    @Option(name: .customLong("data-dir", withSingleDash: true), help: "Directory for the log and snapshots.")
    var dataDirectory: String?

    @Option(name: .customLong("http-addr", withSingleDash: true), help: "HOST:PORT the HTTP API listens on (port 0: any free port).")
    var httpAddress = "127.0.0.1:4646"

    @Flag(name: .customLong("server", withSingleDash: true), help: "Run as a server (the only mode Caravan has; accepted for Nomad's flags).")
    var server = false

    @Option(name: .customLong("raft-addr", withSingleDash: true), help: "HOST:PORT the raft transport listens on; enables clustering.")
    var raftAddress: String?

    @Option(name: .customLong("node-id", withSingleDash: true), help: "This server's name in the cluster (default: its raft address).")
    var nodeID: String?

    @Option(name: .customLong("bootstrap-expect", withSingleDash: true), help: "Servers a new cluster waits for before electing a leader.")
    var bootstrapExpect = 1

    @Option(name: .customLong("join", withSingleDash: true), help: "Raft address of a server to join (repeatable).")
    var join: [String] = []

    @Option(name: .customLong("heartbeat-interval", withSingleDash: true), help: "Leader heartbeat interval in milliseconds.")
    var heartbeatMilliseconds = 100

    @Option(name: .customLong("election-timeout", withSingleDash: true), help: "Election timeout in milliseconds.")
    var electionMilliseconds = 1000

    @Option(name: .customLong("snapshot-interval", withSingleDash: true), help: "Snapshot after this many entries.")
    var snapshotInterval: UInt64 = DurabilityOptions().snapshotInterval

    @Option(name: .customLong("raft-trailing-logs", withSingleDash: true), help: "Log entries kept behind a snapshot for slow followers.")
    var trailingLogs: UInt64 = DurabilityOptions().trailingEntries

    @Option(
        name: .customLong("event-buffer-size", withSingleDash: true),
        help: "Entries with events the event stream keeps for streams that resume (default: the log between snapshots).")
    var eventBufferSize: Int?

    @Option(
        name: .customLong("event-heartbeat", withSingleDash: true), help: "Milliseconds between an idle event stream's {} heartbeats.")
    var eventHeartbeatMilliseconds = 30_000

    @Flag(
        name: .customLong("acl-enabled", withSingleDash: true), help: "Check every request against ACL tokens (off by default, as in Nomad's -dev).")
    var aclEnabled = false

    @Option(name: .customLong("region", withSingleDash: true), help: "The region; servers' certificates name server.<region>.nomad.")
    var region = "global"

    @Option(
        name: .customLong("ca-cert", withSingleDash: true),
        help: "PEM file of the CA that signs every server's certificate; with -cert-file and -key-file, the raft port speaks mutual TLS.")
    var caCertificate: String?

    @Option(name: .customLong("cert-file", withSingleDash: true), help: "PEM file of this server's certificate (naming server.<region>.nomad).")
    var certificateFile: String?

    @Option(name: .customLong("key-file", withSingleDash: true), help: "PEM file of this server certificate's private key.")
    var keyFile: String?

    @Flag(
        name: .customLong("tls-http", withSingleDash: true),
        help: "Serve the HTTP API over HTTPS with -cert-file and -key-file (Nomad's tls { http = true }).")
    var tlsHTTP = false

    @Flag(
        name: .customLong("verify-https-client", withSingleDash: true),
        help: "With -tls-http, require a client certificate the -ca-cert CA signed.")
    var verifyHTTPSClient = false

    @Option(
        name: .customLong("http-max-conns-per-client", withSingleDash: true),
        help: "API connections one client IP address may hold open; past it, 429 (0: no limit).")
    var httpMaxConnsPerClient = ConnectionLimits().maxConnectionsPerClient

    @Option(name: .customLong("log-level", withSingleDash: true), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard dev != (dataDirectory != nil) else {
            throw ValidationError(dev ? "-dev keeps its state in memory; drop -data-dir" : "give -dev or -data-dir DIR")
        }
        guard AgentConfiguration.parseAddress(httpAddress) != nil else {
            throw ValidationError("-http-addr must be HOST:PORT, got \(httpAddress)")
        }
        guard snapshotInterval > 0 else { throw ValidationError("-snapshot-interval must be positive") }
        if let eventBufferSize, eventBufferSize < 1 { throw ValidationError("-event-buffer-size must be positive") }
        guard eventHeartbeatMilliseconds >= 1 else { throw ValidationError("-event-heartbeat must be positive") }
        if let raftAddress {
            guard dataDirectory != nil else { throw ValidationError("-raft-addr needs -data-dir: a cluster member keeps its log on disk") }
            guard let parsed = AgentConfiguration.parseAddress(raftAddress), parsed.port != 0 else {
                throw ValidationError("-raft-addr must be HOST:PORT with a fixed port, got \(raftAddress)")
            }
            guard AgentConfiguration.parseAddress(httpAddress)!.port != 0 else {
                throw ValidationError("a cluster member needs a fixed -http-addr port (its peers forward to it)")
            }
        } else {
            guard bootstrapExpect == 1, join.isEmpty else { throw ValidationError("-bootstrap-expect and -join need -raft-addr") }
        }
        guard bootstrapExpect >= 1 else { throw ValidationError("-bootstrap-expect must be at least 1") }
        for address in join where AgentConfiguration.parseAddress(address) == nil {
            throw ValidationError("-join must be HOST:PORT, got \(address)")
        }
        guard heartbeatMilliseconds >= 5, electionMilliseconds >= 2 * heartbeatMilliseconds else {
            throw ValidationError("-election-timeout must be at least twice -heartbeat-interval (which is at least 5 ms)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level \(logLevel)") }
        let tlsFlags = [caCertificate, certificateFile, keyFile].compactMap { $0 }
        guard tlsFlags.isEmpty || tlsFlags.count == 3 else { throw ValidationError("-ca-cert, -cert-file and -key-file go together") }
        guard tlsFlags.isEmpty || raftAddress != nil || tlsHTTP else {
            throw ValidationError("-ca-cert, -cert-file and -key-file secure the raft port or, with -tls-http, the API: give -raft-addr or -tls-http")
        }
        guard !tlsHTTP || tlsFlags.count == 3 else { throw ValidationError("-tls-http needs -ca-cert, -cert-file and -key-file") }
        guard !verifyHTTPSClient || tlsHTTP else { throw ValidationError("-verify-https-client needs -tls-http") }
        guard httpMaxConnsPerClient >= 0 else { throw ValidationError("-http-max-conns-per-client must be 0 or more") }
        guard !region.isEmpty else { throw ValidationError("-region must not be empty") }
    }

    func run() async throws {
        let (host, port) = AgentConfiguration.parseAddress(httpAddress)!
        var logger = Logger(label: "caravan")
        logger.logLevel = Logger.Level(rawValue: logLevel)!
        var durability = DurabilityOptions()
        durability.snapshotInterval = snapshotInterval
        durability.trailingEntries = trailingLogs
        var membership = ClusterMembership.standalone()
        if let raftAddress {
            let name = nodeID ?? raftAddress
            membership = ClusterMembership(
                server: Server(id: Server.id(named: name), name: name, raftAddress: raftAddress, httpAddress: httpAddress, isVoter: true),
                bootstrapExpect: bootstrapExpect, join: join)
        }
        let timing = ClusterTiming(
            heartbeatInterval: .milliseconds(heartbeatMilliseconds), electionTimeout: .milliseconds(electionMilliseconds))
        var peers = PeerTransportOptions(logger: logger)
        var https: APITLS?
        if let caCertificate, let certificateFile, let keyFile {
            do {
                if raftAddress != nil {
                    peers.tls = try PeerTLS(caFile: caCertificate, certificateFile: certificateFile, keyFile: keyFile, region: region)
                }
                if tlsHTTP {
                    https = try APITLS(caFile: caCertificate, certificateFile: certificateFile, keyFile: keyFile, verifyClients: verifyHTTPSClient)
                }
            } catch {
                logger.critical("caravan agent: cannot read the TLS files: \(error)")
                throw ExitCode.failure
            }
        }
        var api = APIConfiguration()
        api.region = region
        api.eventHeartbeat = .milliseconds(eventHeartbeatMilliseconds)
        var limits = ServerLimits()
        limits.eventBatches = eventBufferSize ?? Int(clamping: durability.snapshotInterval + durability.trailingEntries)
        let configuration = AgentConfiguration(
            httpHost: host, httpPort: port, api: api, dataDirectory: dataDirectory, durability: durability, membership: membership,
            timing: timing, aclEnabled: aclEnabled, peers: peers, limits: limits,
            connections: ConnectionLimits(maxConnectionsPerClient: httpMaxConnsPerClient), https: https)
        let agent: Agent
        do {
            agent = try Agent(configuration: configuration)
        } catch {
            logger.critical("caravan agent: cannot start: \(error)")
            throw ExitCode.failure
        }
        if agent.node.recoveredTornBytes > 0 {
            logger.notice("caravan agent: dropped \(agent.node.recoveredTornBytes) bytes of torn log tail (a write the last run never acknowledged)")
        }
        var mode = dataDirectory.map { "data dir \($0), applied index \(agent.node.store.state.index)" } ?? "-dev, in memory"
        if let raftAddress {
            mode += ", raft on \(raftAddress) as \(membership.server.name)"
            if peers.tls != nil {
                mode += " with mutual TLS (\(ClusterCertificates.serverName(region: region)))"
            } else {
                let warning =
                    "caravan agent: the raft port \(raftAddress) is unauthenticated: anyone who can reach it can send raft traffic. "
                    + "Give -ca-cert, -cert-file and -key-file for mutual TLS between servers. Without it, a new server joins "
                    + "a running cluster only when an operator adds it (caravan operator raft add-peer)."
                logger.warning("\(warning)")
            }
        }
        if aclEnabled { mode += ", ACLs enabled" }
        if let https { mode += https.verifiesClients ? ", HTTPS with client certificates" : ", HTTPS" }
        let scheme = https == nil ? "http" : "https"
        try await agent.run(logger: logger) { [logger, mode] port in
            logger.info("caravan agent (\(mode)): HTTP API on \(scheme)://\(host):\(port)")
        }
    }
}
