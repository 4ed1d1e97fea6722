/// What one source of an agent's settings says — a configuration file, or the command line —
/// with `nil` (or an empty list) for what it leaves unsaid. ``AgentSettings`` folds the sources
/// over the defaults, later sources winning key by key.
///
/// The names are Nomad's agent configuration keys; the comment on each names the flag that sets it.
public struct AgentOptions: Sendable, Equatable {
    /// `data_dir` (`-data-dir`).
    public var dataDirectory: String?
    /// `bind_addr`: the host every listener binds unless `addresses` names its own.
    public var bindAddress: String?
    /// `addresses { http }`: the HTTP API's host.
    public var httpHost: String?
    /// `addresses { rpc }`: the raft port's host.
    public var raftHost: String?
    /// `ports { http }`.
    public var httpPort: Int?
    /// `ports { rpc }`: the raft port (Nomad's RPC port).
    public var raftPort: Int?
    /// `-http-addr HOST:PORT` (no key: a file gives `bind_addr`, `addresses` and `ports`).
    public var httpAddress: String?
    /// `-raft-addr HOST:PORT` (no key: as ``httpAddress``).
    public var raftAddress: String?
    /// `region` (`-region`).
    public var region: String?
    /// `log_level` (`-log-level`), as written: Nomad's names (`WARN`, `ERR`) or swift-log's.
    public var logLevel: String?
    /// `name` (`-node-id`): this server's name in its cluster.
    public var nodeName: String?
    /// `server { enabled }`; Caravan runs as a server only.
    public var serverEnabled: Bool?
    /// `server { bootstrap_expect }` (`-bootstrap-expect`).
    public var bootstrapExpect: Int?
    /// `server { server_join { retry_join, start_join } }` (`-join`, repeatable): raft addresses.
    public var join: [String]?
    /// `server { raft_snapshot_threshold }` (`-snapshot-interval`).
    public var snapshotInterval: UInt64?
    /// `server { raft_trailing_logs }` (`-raft-trailing-logs`).
    public var trailingLogs: UInt64?
    /// `server { event_buffer_size }` (`-event-buffer-size`).
    public var eventBufferSize: Int?
    /// `acl { enabled }` (`-acl-enabled`).
    public var aclEnabled: Bool?
    /// The `tls` block.
    public var tls = TLSOptions()
    /// `limits { http_max_conns_per_client }`.
    public var httpMaxConnectionsPerClient: Int?

    public init() {}

    /// Whether this source asks for a raft cluster: it names the raft port or its address, the
    /// servers to expect or the servers to join.
    var asksForCluster: Bool {
        raftAddress != nil || raftHost != nil || raftPort != nil || bootstrapExpect != nil || join != nil
    }

    /// These options with every key `later` says replaced by what it says.
    public func merging(_ later: AgentOptions) -> AgentOptions {
        var merged = self
        merged.dataDirectory = later.dataDirectory ?? dataDirectory
        merged.bindAddress = later.bindAddress ?? bindAddress
        merged.httpHost = later.httpHost ?? httpHost
        merged.raftHost = later.raftHost ?? raftHost
        merged.httpPort = later.httpPort ?? httpPort
        merged.raftPort = later.raftPort ?? raftPort
        merged.httpAddress = later.httpAddress ?? httpAddress
        merged.raftAddress = later.raftAddress ?? raftAddress
        merged.region = later.region ?? region
        merged.logLevel = later.logLevel ?? logLevel
        merged.nodeName = later.nodeName ?? nodeName
        merged.serverEnabled = later.serverEnabled ?? serverEnabled
        merged.bootstrapExpect = later.bootstrapExpect ?? bootstrapExpect
        merged.join = later.join ?? join
        merged.snapshotInterval = later.snapshotInterval ?? snapshotInterval
        merged.trailingLogs = later.trailingLogs ?? trailingLogs
        merged.eventBufferSize = later.eventBufferSize ?? eventBufferSize
        merged.aclEnabled = later.aclEnabled ?? aclEnabled
        merged.tls = tls.merging(later.tls)
        merged.httpMaxConnectionsPerClient = later.httpMaxConnectionsPerClient ?? httpMaxConnectionsPerClient
        return merged
    }
}

/// What one source says in Nomad's `tls` block (`nil`: unsaid).
public struct TLSOptions: Sendable, Equatable {
    /// `ca_file` (`-ca-cert`).
    public var caFile: String?
    /// `cert_file` (`-cert-file`).
    public var certificateFile: String?
    /// `key_file` (`-key-file`).
    public var keyFile: String?
    /// `rpc`: mutual TLS on the raft port. Giving `-ca-cert`, `-cert-file` or `-key-file` on the
    /// command line says `true`.
    public var rpc: Bool?
    /// `http`: HTTPS for the API.
    public var http: Bool?
    /// `verify_https_client` (`-verify-https-client`).
    public var verifyHTTPSClient: Bool?

    public init() {}

    func merging(_ later: TLSOptions) -> TLSOptions {
        var merged = self
        merged.caFile = later.caFile ?? caFile
        merged.certificateFile = later.certificateFile ?? certificateFile
        merged.keyFile = later.keyFile ?? keyFile
        merged.rpc = later.rpc ?? rpc
        merged.http = later.http ?? http
        merged.verifyHTTPSClient = later.verifyHTTPSClient ?? verifyHTTPSClient
        return merged
    }
}
