import ArgumentParser
import CaravanCertificates
import CaravanConfig
import CaravanCore
import CaravanDurability
import CaravanRaft
import CaravanServer
import CaravanState
import Foundation
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
            (caravan operator raft add-peer). \
            Every setting but -dev and the timings may also come from -config files, in Nomad's agent \
            configuration language (HCL, or JSON); a flag given on the command line wins over every file \
            (docs/configuration.md).
            """
    )

    @Option(
        name: .customLong("config", withSingleDash: true),
        help: ArgumentHelp(
            "An agent configuration file (HCL, or JSON when it ends in .json) or a directory of them (repeatable; later ones win).",
            valueName: "FILE"))
    var configFiles: [String] = []

    @Flag(name: .customLong("dev", withSingleDash: true), help: "Development mode: one server, state in memory.")
    var dev = false

    @Option(name: .customLong("data-dir", withSingleDash: true), help: "Directory for the log and snapshots.")
    var dataDirectory: String?

    @Option(
        name: .customLong("http-addr", withSingleDash: true),
        help: "HOST:PORT the HTTP API listens on (port 0: any free port; default: 127.0.0.1:4646, or the file's).")
    var httpAddress: String?

    @Flag(name: .customLong("server", withSingleDash: true), help: "Run as a server (the only mode Caravan has; accepted for Nomad's flags).")
    var server = false

    @Option(name: .customLong("raft-addr", withSingleDash: true), help: "HOST:PORT the raft transport listens on; enables clustering.")
    var raftAddress: String?

    @Option(name: .customLong("node-id", withSingleDash: true), help: "This server's name in the cluster (default: its raft address).")
    var nodeID: String?

    @Option(name: .customLong("bootstrap-expect", withSingleDash: true), help: "Servers a new cluster waits for before electing a leader (default: 1).")
    var bootstrapExpect: Int?

    @Option(name: .customLong("join", withSingleDash: true), help: "Raft address of a server to join (repeatable).")
    var join: [String] = []

    @Option(name: .customLong("heartbeat-interval", withSingleDash: true), help: "Leader heartbeat interval in milliseconds.")
    var heartbeatMilliseconds = 100

    @Option(name: .customLong("election-timeout", withSingleDash: true), help: "Election timeout in milliseconds.")
    var electionMilliseconds = 1000

    @Option(
        name: .customLong("snapshot-interval", withSingleDash: true),
        help: "Snapshot after this many entries (default: \(DurabilityOptions().snapshotInterval)).")
    var snapshotInterval: UInt64?

    @Option(
        name: .customLong("raft-trailing-logs", withSingleDash: true),
        help: "Log entries kept behind a snapshot for slow followers (default: \(DurabilityOptions().trailingEntries)).")
    var trailingLogs: UInt64?

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

    @Option(name: .customLong("region", withSingleDash: true), help: "The region; servers' certificates name server.<region>.nomad (default: global).")
    var region: String?

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
        help: "With HTTPS (-tls-http, tls { http = true }), require a client certificate the CA signed.")
    var verifyHTTPSClient = false

    @Option(
        name: .customLong("http-max-conns-per-client", withSingleDash: true),
        help: "API connections one client IP address may hold open; past it, 429 (0: no limit; default: 100, or limits { http_max_conns_per_client }).")
    var httpMaxConnsPerClient: Int?

    @Option(
        name: .customLong("log-level", withSingleDash: true),
        help: "trace, debug, info, notice, warning (warn), error (err) or critical (default: info).")
    var logLevel: String?

    /// What the command line says, for merging over the configuration files: an option left
    /// out, or a flag not given, says nothing.
    var commandLine: AgentOptions {
        var options = AgentOptions()
        options.dataDirectory = dataDirectory
        options.httpAddress = httpAddress
        options.raftAddress = raftAddress
        options.nodeName = nodeID
        options.bootstrapExpect = bootstrapExpect
        options.join = join.isEmpty ? nil : join
        options.snapshotInterval = snapshotInterval
        options.trailingLogs = trailingLogs
        options.eventBufferSize = eventBufferSize
        options.aclEnabled = aclEnabled ? true : nil
        options.region = region
        options.logLevel = logLevel
        options.tls.caFile = caCertificate
        options.tls.certificateFile = certificateFile
        options.tls.keyFile = keyFile
        if caCertificate != nil || certificateFile != nil || keyFile != nil { options.tls.rpc = true }
        options.tls.http = tlsHTTP ? true : nil
        options.tls.verifyHTTPSClient = verifyHTTPSClient ? true : nil
        options.httpMaxConnectionsPerClient = httpMaxConnsPerClient
        return options
    }

    func validate() throws {
        guard eventHeartbeatMilliseconds >= 1 else { throw ValidationError("-event-heartbeat must be positive") }
        guard heartbeatMilliseconds >= 5, electionMilliseconds >= 2 * heartbeatMilliseconds else {
            throw ValidationError("-election-timeout must be at least twice -heartbeat-interval (which is at least 5 ms)")
        }
    }

    /// The configuration files, then the flags, merged and checked; the notices name the files'
    /// keys that Caravan ignores.
    func settings() throws(ConfigurationError) -> (settings: AgentSettings, notices: [String]) {
        let files = try AgentConfigFile.load(configFiles)
        let settings = try AgentSettings(files: files.map(\.options), commandLine: commandLine, development: dev)
        return (settings, files.flatMap(\.notices))
    }

    func run() async throws {
        let resolved: (settings: AgentSettings, notices: [String])
        do {
            resolved = try self.settings()
        } catch {
            FileHandle.standardError.write(Data("caravan agent: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let settings = resolved.settings
        var logger = Logger(label: "caravan")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel)!
        for notice in resolved.notices { logger.notice("\(notice)") }
        let (host, port) = (settings.httpHost, settings.httpPort)
        let httpAddress = "\(host):\(port)"
        var durability = DurabilityOptions()
        if let snapshotInterval = settings.snapshotInterval { durability.snapshotInterval = snapshotInterval }
        if let trailingLogs = settings.trailingLogs { durability.trailingEntries = trailingLogs }
        var membership = ClusterMembership.standalone()
        if let raftAddress = settings.raftAddress {
            let name = settings.nodeName ?? raftAddress
            membership = ClusterMembership(
                server: Server(id: Server.id(named: name), name: name, raftAddress: raftAddress, httpAddress: httpAddress, isVoter: true),
                bootstrapExpect: settings.bootstrapExpect, join: settings.join)
        }
        let timing = ClusterTiming(
            heartbeatInterval: .milliseconds(heartbeatMilliseconds), electionTimeout: .milliseconds(electionMilliseconds))
        var peers = PeerTransportOptions(logger: logger)
        var https: APITLS?
        do {
            if let files = settings.raftTLS {
                peers.tls = try PeerTLS(caFile: files.caFile, certificateFile: files.certificateFile, keyFile: files.keyFile, region: settings.region)
            }
            if let files = settings.http.https {
                https = try APITLS(
                    caFile: files.caFile, certificateFile: files.certificateFile, keyFile: files.keyFile, verifyClients: settings.http.verifyClients)
            }
        } catch {
            logger.critical("caravan agent: cannot read the TLS files: \(error)")
            throw ExitCode.failure
        }
        var api = APIConfiguration()
        api.region = settings.region
        api.eventHeartbeat = .milliseconds(eventHeartbeatMilliseconds)
        var limits = ServerLimits()
        limits.eventBatches = settings.eventBufferSize ?? Int(clamping: durability.snapshotInterval + durability.trailingEntries)
        var connections = ConnectionLimits()
        connections.maxConnectionsPerClient = settings.http.maxConnectionsPerClient
        let configuration = AgentConfiguration(
            httpHost: host, httpPort: port, api: api, dataDirectory: settings.dataDirectory, durability: durability, membership: membership,
            timing: timing, aclEnabled: settings.aclEnabled, peers: peers, limits: limits, connections: connections, https: https)
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
        var mode = settings.dataDirectory.map { "data dir \($0), applied index \(agent.node.store.state.index)" } ?? "-dev, in memory"
        if let raftAddress = settings.raftAddress {
            mode += ", raft on \(raftAddress) as \(membership.server.name)"
            if peers.tls != nil {
                mode += " with mutual TLS (\(ClusterCertificates.serverName(region: settings.region)))"
            } else {
                let warning =
                    "caravan agent: the raft port \(raftAddress) is unauthenticated: anyone who can reach it can send raft traffic. "
                    + "Give -ca-cert, -cert-file and -key-file for mutual TLS between servers. Without it, a new server joins "
                    + "a running cluster only when an operator adds it (caravan operator raft add-peer)."
                logger.warning("\(warning)")
            }
        }
        if settings.aclEnabled { mode += ", ACLs enabled" }
        if let https { mode += https.verifiesClients ? ", HTTPS with client certificates" : ", HTTPS" }
        let scheme = https == nil ? "http" : "https"
        try await agent.run(logger: logger) { [logger, mode] port in
            logger.info("caravan agent (\(mode)): HTTP API on \(scheme)://\(host):\(port)")
        }
    }
}
