import CaravanHCL
import Foundation

/// One agent configuration file, read: what it says (``options``) and the Nomad keys it gives
/// that Caravan accepts and does not use (``notices``, for the agent to log).
///
/// The file is HCL, or JSON when its name ends in `.json`, with Nomad's agent configuration keys.
/// A key that is neither Caravan's nor Nomad's is refused, as is a value of the wrong type or out
/// of range; every refusal is a ``ConfigurationError`` naming the file, the line and the column.
public struct AgentConfigFile: Sendable, Equatable {
    /// The file as it was named.
    public let name: String
    /// What the file says.
    public let options: AgentOptions
    /// One line per ignored key: `FILE:LINE:COLUMN: KEY is Nomad's and Caravan does not use it; ignored`.
    public let notices: [String]

    /// Nomad's default raft (RPC) port, for a `retry_join` address without one.
    public static let defaultRaftPort = 4647

    /// Reads `text`, the content of the file `name`.
    /// - Throws: ``ConfigurationError`` naming `name` and where in it.
    public init(name: String, text: String) throws(ConfigurationError) {
        let body: HCLBody
        do throws(HCLParseError) {
            body = try name.hasSuffix(".json") ? HCLJSONParser.parse(text) : HCLParser.parse(text)
        } catch {
            throw ConfigurationError(file: name, position: error.position, message: error.message)
        }
        var reader = FileReader(file: name)
        try reader.readTop(Self.items(of: body))
        self.name = name
        options = reader.options
        notices = reader.notices
    }

    /// Reads the files at `paths` in order; a directory stands for its `*.hcl` and `*.json`
    /// files in lexical order, as Nomad reads a configuration directory.
    /// - Throws: ``ConfigurationError`` for a path that cannot be read, or for the first file refused.
    public static func load(_ paths: [String]) throws(ConfigurationError) -> [AgentConfigFile] {
        var files: [AgentConfigFile] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ConfigurationError(file: path, message: "no such file or directory")
            }
            var names = [path]
            if isDirectory.boolValue {
                let entries: [String]
                do {
                    entries = try FileManager.default.contentsOfDirectory(atPath: path)
                } catch {
                    throw ConfigurationError(file: path, message: "cannot list the directory: \(error.localizedDescription)")
                }
                names = entries.filter { $0.hasSuffix(".hcl") || $0.hasSuffix(".json") }.sorted()
                    .map { (path as NSString).appendingPathComponent($0) }
                    .filter { var nested: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &nested) && !nested.boolValue }
            }
            for name in names {
                let text: String
                do {
                    text = try String(contentsOfFile: name, encoding: .utf8)
                } catch {
                    throw ConfigurationError(file: name, message: "cannot read the file: \(error.localizedDescription)")
                }
                files.append(try AgentConfigFile(name: name, text: text))
            }
        }
        return files
    }

    /// A body as object items: an attribute is its value; a block `type "label" { … }` is the
    /// object `type = { label = { … } }`, as HCL's JSON syntax writes it.
    static func items(of body: HCLBody) -> [HCLObjectItem] {
        body.items.map { item in
            switch item {
            case .attribute(let attribute):
                return HCLObjectItem(key: attribute.name, value: attribute.value, position: attribute.position)
            case .block(let block):
                var value = HCLValue.object(items(of: block.body))
                for label in block.labels.reversed() {
                    value = .object([HCLObjectItem(key: label, value: value, position: block.position)])
                }
                return HCLObjectItem(key: block.type, value: value, position: block.position)
            }
        }
    }
}

/// Nomad's agent configuration keys that Caravan accepts and does not use, by block.
enum IgnoredKeys {
    static let top: Set<String> = [
        "datacenter", "plugin_dir", "log_json", "log_file", "log_rotate_duration", "log_rotate_bytes", "log_rotate_max_files",
        "log_include_location", "enable_debug", "advertise", "client", "telemetry", "leave_on_interrupt", "leave_on_terminate",
        "enable_syslog", "syslog_facility", "disable_update_check", "disable_anonymous_signature", "consul", "vault",
        "http_api_response_headers", "sentinel", "autopilot", "plugin", "ui", "audit", "reporting", "keyring", "rpc",
    ]
    static let ports: Set<String> = ["serf"]
    static let server: Set<String> = [
        "authoritative_region", "data_dir", "protocol_version", "raft_protocol", "raft_multiplier", "raft_boltdb",
        "raft_snapshot_interval", "num_schedulers", "enabled_schedulers", "node_gc_threshold", "job_gc_threshold",
        "eval_gc_threshold", "batch_eval_gc_threshold", "deployment_gc_threshold", "csi_volume_claim_gc_threshold",
        "csi_volume_claim_gc_interval", "csi_plugin_gc_threshold", "acl_token_gc_threshold", "root_key_gc_interval",
        "root_key_gc_threshold", "root_key_rotation_threshold", "heartbeat_grace", "min_heartbeat_ttl",
        "max_heartbeats_per_second", "failover_heartbeat_ttl", "rejoin_after_leave", "non_voting_server", "redundancy_zone",
        "upgrade_version", "encrypt", "license_path", "default_scheduler_config", "plan_rejection_tracker", "search",
        "deployment_query_rate_limit", "job_max_priority", "job_default_priority", "job_tracked_versions", "oidc_issuer",
        "client_introduction", "retry_max", "retry_interval",
    ]
    static let serverJoin: Set<String> = ["retry_max", "retry_interval"]
    static let acl: Set<String> = [
        "token_ttl", "policy_ttl", "role_ttl", "replication_token", "token_min_expiration_ttl", "token_max_expiration_ttl",
    ]
    static let tls: Set<String> = ["rpc_upgrade_mode", "tls_cipher_suites", "tls_min_version", "tls_prefer_server_cipher_suites"]
    static let limits: Set<String> = ["https_handshake_timeout", "rpc_handshake_timeout", "rpc_max_conns_per_client"]
}

/// Walks one file's items block by block into ``AgentOptions``, checking each value's type and range.
private struct FileReader {
    let file: String
    var options = AgentOptions()
    var notices: [String] = []

    mutating func readTop(_ items: [HCLObjectItem]) throws(ConfigurationError) {
        for item in try once(items, path: "", ignored: IgnoredKeys.top) {
            switch item.key {
            case "data_dir": options.dataDirectory = try nonEmptyString(item, "data_dir")
            case "bind_addr": options.bindAddress = try nonEmptyString(item, "bind_addr")
            case "region": options.region = try nonEmptyString(item, "region")
            case "name": options.nodeName = try nonEmptyString(item, "name")
            case "log_level":
                let level = try string(item, "log_level")
                guard AgentSettings.logLevel(named: level) != nil else {
                    throw error(item, "log_level must be one of trace, debug, info, notice, warn, error or critical, got \"\(level)\"")
                }
                options.logLevel = level
            case "ports": try readPorts(item)
            case "addresses": try readAddresses(item)
            case "server": try readServer(item)
            case "acl": try readACL(item)
            case "tls": try readTLS(item)
            case "limits": try readLimits(item)
            default: try refuseOrIgnore(item, path: "", ignored: IgnoredKeys.top)
            }
        }
    }

    private mutating func readPorts(_ block: HCLObjectItem) throws(ConfigurationError) {
        for item in try once(try section(block, "ports"), path: "ports.", ignored: IgnoredKeys.ports) {
            switch item.key {
            case "http": options.httpPort = try integer(item, "ports.http", in: 0...65535)
            case "rpc": options.raftPort = try integer(item, "ports.rpc", in: 1...65535)
            default: try refuseOrIgnore(item, path: "ports.", ignored: IgnoredKeys.ports)
            }
        }
    }

    private mutating func readAddresses(_ block: HCLObjectItem) throws(ConfigurationError) {
        for item in try once(try section(block, "addresses"), path: "addresses.", ignored: IgnoredKeys.ports) {
            switch item.key {
            case "http": options.httpHost = try nonEmptyString(item, "addresses.http")
            case "rpc": options.raftHost = try nonEmptyString(item, "addresses.rpc")
            default: try refuseOrIgnore(item, path: "addresses.", ignored: IgnoredKeys.ports)
            }
        }
    }

    private mutating func readServer(_ block: HCLObjectItem) throws(ConfigurationError) {
        var join: [String] = []
        var saysJoin = false
        for item in try once(try section(block, "server"), path: "server.", ignored: IgnoredKeys.server) {
            switch item.key {
            case "enabled":
                guard try bool(item, "server.enabled") else {
                    throw error(item, "server.enabled = false: Caravan runs only as a server (it has no client mode)")
                }
                options.serverEnabled = true
            case "bootstrap_expect": options.bootstrapExpect = try integer(item, "server.bootstrap_expect", in: 1...Int.max)
            case "raft_snapshot_threshold":
                options.snapshotInterval = UInt64(try integer(item, "server.raft_snapshot_threshold", in: 1...Int.max))
            case "raft_trailing_logs": options.trailingLogs = UInt64(try integer(item, "server.raft_trailing_logs", in: 0...Int.max))
            case "event_buffer_size": options.eventBufferSize = try integer(item, "server.event_buffer_size", in: 1...Int.max)
            case "start_join", "retry_join":
                join += try joinAddresses(item, "server.\(item.key)")
                saysJoin = true
            case "server_join":
                for joinItem in try once(try section(item, "server.server_join"), path: "server.server_join.", ignored: IgnoredKeys.serverJoin) {
                    switch joinItem.key {
                    case "start_join", "retry_join":
                        join += try joinAddresses(joinItem, "server.server_join.\(joinItem.key)")
                        saysJoin = true
                    default: try refuseOrIgnore(joinItem, path: "server.server_join.", ignored: IgnoredKeys.serverJoin)
                    }
                }
            default: try refuseOrIgnore(item, path: "server.", ignored: IgnoredKeys.server)
            }
        }
        if saysJoin { options.join = join }
    }

    private mutating func readACL(_ block: HCLObjectItem) throws(ConfigurationError) {
        for item in try once(try section(block, "acl"), path: "acl.", ignored: IgnoredKeys.acl) {
            switch item.key {
            case "enabled": options.aclEnabled = try bool(item, "acl.enabled")
            default: try refuseOrIgnore(item, path: "acl.", ignored: IgnoredKeys.acl)
            }
        }
    }

    private mutating func readTLS(_ block: HCLObjectItem) throws(ConfigurationError) {
        for item in try once(try section(block, "tls"), path: "tls.", ignored: IgnoredKeys.tls) {
            switch item.key {
            case "ca_file": options.tls.caFile = try nonEmptyString(item, "tls.ca_file")
            case "cert_file": options.tls.certificateFile = try nonEmptyString(item, "tls.cert_file")
            case "key_file": options.tls.keyFile = try nonEmptyString(item, "tls.key_file")
            case "rpc": options.tls.rpc = try bool(item, "tls.rpc")
            case "http": options.tls.http = try bool(item, "tls.http")
            case "verify_https_client": options.tls.verifyHTTPSClient = try bool(item, "tls.verify_https_client")
            case "verify_server_hostname":
                if !(try bool(item, "tls.verify_server_hostname")) {
                    notices.append(
                        "\(place(item)): tls.verify_server_hostname = false is not honoured: Caravan's servers always check "
                            + "that a peer's certificate names server.<region>.nomad")
                }
            default: try refuseOrIgnore(item, path: "tls.", ignored: IgnoredKeys.tls)
            }
        }
    }

    private mutating func readLimits(_ block: HCLObjectItem) throws(ConfigurationError) {
        for item in try once(try section(block, "limits"), path: "limits.", ignored: IgnoredKeys.limits) {
            switch item.key {
            case "http_max_conns_per_client":
                options.httpMaxConnectionsPerClient = try integer(item, "limits.http_max_conns_per_client", in: 0...Int.max)
            default: try refuseOrIgnore(item, path: "limits.", ignored: IgnoredKeys.limits)
            }
        }
    }

    // MARK: - Keys

    /// `items`, after refusing a key Caravan reads that is given twice (a block written twice,
    /// or a key of HCL's JSON syntax given in two objects). Ignored keys may repeat (`plugin`).
    private func once(_ items: [HCLObjectItem], path: String, ignored: Set<String>) throws(ConfigurationError) -> [HCLObjectItem] {
        var seen: [String: HCLPosition] = [:]
        for item in items where !ignored.contains(item.key) {
            if let first = seen[item.key] {
                throw error(item, "\(path)\(item.key) is given twice in one file; the first is at line \(first.line)")
            }
            seen[item.key] = item.position
        }
        return items
    }

    private mutating func refuseOrIgnore(_ item: HCLObjectItem, path: String, ignored: Set<String>) throws(ConfigurationError) {
        guard ignored.contains(item.key) else {
            throw error(item, "unknown key \(path)\(item.key): it is not one of Nomad's agent configuration keys")
        }
        notices.append("\(place(item)): \(path)\(item.key) is Nomad's and Caravan does not use it; ignored")
    }

    // MARK: - Values

    /// The items of a block; HCL's JSON syntax may also write a block as a list of one object.
    private func section(_ item: HCLObjectItem, _ name: String) throws(ConfigurationError) -> [HCLObjectItem] {
        switch item.value {
        case .object(let items): return items
        case .list(let elements) where elements.count == 1:
            if case .object(let items) = elements[0] { return items }
        default: break
        }
        throw error(item, "\(name) must be a block, got \(Self.describe(item.value))")
    }

    private func string(_ item: HCLObjectItem, _ name: String) throws(ConfigurationError) -> String {
        guard case .string(let text) = item.value else { throw error(item, "\(name) must be a string, got \(Self.describe(item.value))") }
        return text
    }

    private func nonEmptyString(_ item: HCLObjectItem, _ name: String) throws(ConfigurationError) -> String {
        let text = try string(item, name)
        guard !text.isEmpty else { throw error(item, "\(name) must not be empty") }
        return text
    }

    private func bool(_ item: HCLObjectItem, _ name: String) throws(ConfigurationError) -> Bool {
        guard case .bool(let value) = item.value else { throw error(item, "\(name) must be true or false, got \(Self.describe(item.value))") }
        return value
    }

    /// A whole number: a number literal, or a string holding one (HCL 1, which Nomad's agent
    /// configuration is read with, takes `"3"` for 3).
    private func integer(_ item: HCLObjectItem, _ name: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let value: Int?
        switch item.value {
        case .number(let text): value = Int(text)
        case .string(let text): value = Int(text)
        default: value = nil
        }
        guard let value else { throw error(item, "\(name) must be a number, got \(Self.describe(item.value))") }
        guard range.contains(value) else {
            let bounds = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw error(item, "\(name) must be \(bounds), got \(value)")
        }
        return value
    }

    /// Raft addresses to join: `HOST:PORT`, or `HOST` for Nomad's RPC port.
    private func joinAddresses(_ item: HCLObjectItem, _ name: String) throws(ConfigurationError) -> [String] {
        guard case .list(let elements) = item.value else { throw error(item, "\(name) must be a list of addresses, got \(Self.describe(item.value))") }
        var addresses: [String] = []
        for element in elements {
            guard case .string(let address) = element, !address.isEmpty else {
                throw error(item, "\(name) must be a list of addresses, got an element \(Self.describe(element))")
            }
            guard !address.contains("=") else {
                throw error(item, "\(name): cloud auto-join (\"\(address)\") is not supported; give HOST:PORT raft addresses")
            }
            let withPort = address.contains(":") ? address : "\(address):\(AgentConfigFile.defaultRaftPort)"
            guard AgentSettings.parseAddress(withPort) != nil else {
                throw error(item, "\(name) must hold HOST:PORT raft addresses, got \"\(address)\"")
            }
            addresses.append(withPort)
        }
        return addresses
    }

    private func place(_ item: HCLObjectItem) -> String { "\(file):\(item.position.line):\(item.position.column)" }

    private func error(_ item: HCLObjectItem, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, position: item.position, message: message)
    }

    static func describe(_ value: HCLValue) -> String {
        switch value {
        case .string(let text): "\"\(text)\""
        case .number(let text): text
        case .bool(let value): String(value)
        case .null: "null"
        case .list: "a list"
        case .object: "a block"
        }
    }
}
