/// An agent's settings once its configuration files and its command line are merged: Caravan's
/// defaults, then each file in order, then the flags — the later winning key by key, as Nomad
/// merges an agent's configuration — and checked against each other.
///
/// `caravan agent` builds the server's configuration from these and nothing else.
public struct AgentSettings: Sendable, Equatable {
    /// Where the log and snapshots live; `nil` with `-dev` (in memory).
    public var dataDirectory: String?
    /// The HTTP API's host and port (port 0: any free port, outside a cluster).
    public var httpHost: String
    public var httpPort: Int
    /// `HOST:PORT` of the raft port, or `nil` for a server alone (no raft port).
    public var raftAddress: String?
    /// This server's name in its cluster (`nil`: its raft address).
    public var nodeName: String?
    public var region: String
    /// A swift-log level's raw value (`warning`, not Nomad's `WARN`).
    public var logLevel: String
    public var bootstrapExpect: Int
    /// Raft addresses of servers to join.
    public var join: [String]
    public var aclEnabled: Bool
    /// The files of mutual TLS on the raft port (`tls { rpc = true }`), or `nil` for none.
    public var raftTLS: TLSFiles?
    /// What the HTTP server is told: its HTTPS and its connection limit.
    public var http: HTTPSettings
    /// `nil`: the server's default.
    public var snapshotInterval: UInt64?
    /// `nil`: the server's default.
    public var trailingLogs: UInt64?
    /// `nil`: the server's default (the log between snapshots).
    public var eventBufferSize: Int?

    /// Caravan's HTTP port when nothing names one (Nomad's).
    public static let defaultHTTPPort = 4646
    /// The host listeners bind when nothing names one. Nomad binds 0.0.0.0 outside `-dev`;
    /// Caravan binds loopback unless told otherwise, as its `-http-addr` always has.
    public static let defaultBindAddress = "127.0.0.1"

    /// Merges `files` (in order) and then `commandLine` over the defaults, and checks the result.
    /// - Parameter development: `-dev`, which keeps state in memory and takes no data directory.
    /// - Throws: ``ConfigurationError`` (with no file) when the merged settings disagree.
    public init(files: [AgentOptions], commandLine: AgentOptions, development: Bool) throws(ConfigurationError) {
        let fromFiles = files.reduce(AgentOptions()) { $0.merging($1) }
        let merged = fromFiles.merging(commandLine)
        func refuse(_ message: String) -> ConfigurationError { ConfigurationError(message: message) }

        if development, merged.dataDirectory != nil {
            throw refuse("-dev keeps its state in memory; drop -data-dir (data_dir)")
        }
        if !development, merged.dataDirectory == nil {
            throw refuse("give -dev, or -data-dir DIR (data_dir in a configuration file)")
        }
        dataDirectory = merged.dataDirectory

        let bind = merged.bindAddress ?? Self.defaultBindAddress
        let httpAddress = merged.httpAddress ?? "\(merged.httpHost ?? bind):\(merged.httpPort ?? Self.defaultHTTPPort)"
        guard let (httpHost, httpPort) = Self.parseAddress(httpAddress) else {
            throw refuse("-http-addr must be HOST:PORT, got \(httpAddress)")
        }
        self.httpHost = httpHost
        self.httpPort = httpPort

        if let flag = merged.raftAddress {
            raftAddress = flag
        } else if fromFiles.asksForCluster {
            raftAddress = "\(merged.raftHost ?? bind):\(merged.raftPort ?? AgentConfigFile.defaultRaftPort)"
        } else {
            raftAddress = nil
        }
        bootstrapExpect = merged.bootstrapExpect ?? 1
        join = merged.join ?? []
        if let raftAddress {
            guard dataDirectory != nil else { throw refuse("a raft port (-raft-addr, ports.rpc) needs -data-dir: a cluster member keeps its log on disk") }
            guard let parsed = Self.parseAddress(raftAddress), parsed.port != 0 else {
                throw refuse("-raft-addr must be HOST:PORT with a fixed port, got \(raftAddress)")
            }
            guard httpPort != 0 else { throw refuse("a cluster member needs a fixed HTTP port (its peers forward to it)") }
        } else {
            guard bootstrapExpect == 1, join.isEmpty else { throw refuse("-bootstrap-expect and -join need -raft-addr") }
        }
        guard bootstrapExpect >= 1 else { throw refuse("-bootstrap-expect must be at least 1") }
        for address in join where Self.parseAddress(address) == nil {
            throw refuse("-join must be HOST:PORT, got \(address)")
        }
        nodeName = merged.nodeName

        region = merged.region ?? "global"
        guard !region.isEmpty else { throw refuse("-region must not be empty") }
        let levelName = merged.logLevel ?? "info"
        guard let level = Self.logLevel(named: levelName) else { throw refuse("unknown log level \(levelName)") }
        logLevel = level
        aclEnabled = merged.aclEnabled ?? false

        let tls = merged.tls
        let named = [tls.caFile, tls.certificateFile, tls.keyFile].compactMap { $0 }
        let files = named.count == 3 ? TLSFiles(caFile: tls.caFile!, certificateFile: tls.certificateFile!, keyFile: tls.keyFile!) : nil
        if tls.rpc == true || tls.http == true, files == nil {
            throw refuse("-ca-cert, -cert-file and -key-file (tls { ca_file, cert_file, key_file }) go together")
        }
        if tls.rpc == true, raftAddress == nil, tls.http != true {
            throw refuse(
                "-ca-cert, -cert-file and -key-file secure the raft port (tls { rpc = true }) or the API (-tls-http, tls { http = true }): give -raft-addr (ports.rpc) or -tls-http")
        }
        raftTLS = tls.rpc == true && raftAddress != nil ? files : nil
        var http = HTTPSettings()
        http.https = tls.http == true ? files : nil
        http.verifyClients = tls.verifyHTTPSClient ?? false
        if http.verifyClients, http.https == nil {
            throw refuse("-verify-https-client (tls.verify_https_client) checks HTTPS clients: it needs tls { http = true }")
        }
        if let limit = merged.httpMaxConnectionsPerClient { http.maxConnectionsPerClient = limit }
        self.http = http

        snapshotInterval = merged.snapshotInterval
        if snapshotInterval == 0 { throw refuse("-snapshot-interval must be positive") }
        trailingLogs = merged.trailingLogs
        eventBufferSize = merged.eventBufferSize
        if let eventBufferSize, eventBufferSize < 1 { throw refuse("-event-buffer-size must be positive") }
    }

    /// `HOST:PORT` split; an empty host is every address (`0.0.0.0`). The one rule for every
    /// address the agent, the raft operator routes and `caravan replay --serve` take.
    public static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        let host = String(text[..<colon])
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// The swift-log level (its raw value) a name stands for, case aside: swift-log's names,
    /// and Nomad's `WARN` and `ERR`.
    public static func logLevel(named name: String) -> String? {
        switch name.lowercased() {
        case "trace", "debug", "info", "notice", "warning", "error", "critical": name.lowercased()
        case "warn": "warning"
        case "err": "error"
        default: nil
        }
    }
}

/// The three PEM files of a server's TLS: the cluster's CA, this server's certificate, its key.
public struct TLSFiles: Sendable, Equatable {
    public var caFile: String
    public var certificateFile: String
    public var keyFile: String

    public init(caFile: String, certificateFile: String, keyFile: String) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}

/// What the configuration says about the HTTP API's connections, for the HTTP server: HTTPS
/// (`tls { http, verify_https_client }`) and the connections one client may hold
/// (`limits { http_max_conns_per_client }`), with Nomad's defaults.
public struct HTTPSettings: Sendable, Equatable {
    /// HTTPS with these files, or `nil` for plain HTTP (Nomad's default: `tls.http = false`).
    public var https: TLSFiles?
    /// Whether an HTTPS client must present a certificate the CA signed.
    public var verifyClients = false
    /// Connections one client address may hold open (Nomad's default 100; 0: no limit).
    public var maxConnectionsPerClient = 100

    public init() {}
}
