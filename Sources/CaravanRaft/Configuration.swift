/// A server's identity in the cluster; never 0.
public typealias NodeID = UInt64

/// One member of the cluster configuration.
public struct Server: Sendable, Hashable {
    public var id: NodeID
    /// The operator's name for the server (`-node-id`).
    public var name: String
    /// Where its peers reach its raft transport, "host:port".
    public var raftAddress: String
    /// Where its HTTP API listens, "host:port".
    public var httpAddress: String
    /// A voter counts towards quorums and may lead; a non-voter only receives the log.
    public var isVoter: Bool

    public init(id: NodeID, name: String, raftAddress: String, httpAddress: String, isVoter: Bool) {
        self.id = id
        self.name = name
        self.raftAddress = raftAddress
        self.httpAddress = httpAddress
        self.isVoter = isVoter
    }

    /// The ID a server named `name` gets: FNV-1a of the name, never 0.
    public static func id(named name: String) -> NodeID {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash == 0 ? 1 : hash
    }
}

/// The set of servers in the cluster, in ID order. It travels in ``EntryKind/configuration``
/// entries and in snapshot metadata.
public struct Configuration: Sendable, Hashable {
    public private(set) var servers: [Server]

    public init(_ servers: [Server] = []) {
        self.servers = servers.sorted { $0.id < $1.id }
    }

    public var voters: [NodeID] { servers.filter(\.isVoter).map(\.id) }
    public var isEmpty: Bool { servers.isEmpty }

    public func server(_ id: NodeID) -> Server? { servers.first { $0.id == id } }
    public func contains(_ id: NodeID) -> Bool { server(id) != nil }
    public func isVoter(_ id: NodeID) -> Bool { server(id)?.isVoter == true }

    /// The smallest number of voters that is a majority.
    public var quorum: Int { voters.count / 2 + 1 }

    /// This configuration with `change` made.
    public func applying(_ change: ConfigurationChange) -> Configuration {
        var servers = servers
        switch change {
        case .addNonvoter(let server):
            servers.removeAll { $0.id == server.id }
            var server = server
            server.isVoter = false
            servers.append(server)
        case .promote(let id):
            if let position = servers.firstIndex(where: { $0.id == id }) { servers[position].isVoter = true }
        case .remove(let id):
            servers.removeAll { $0.id == id }
        }
        return Configuration(servers)
    }
}

/// A single-server membership change (Raft thesis §4.1).
public enum ConfigurationChange: Sendable, Hashable {
    /// Adds a server that receives the log but does not vote; the leader promotes it once it
    /// has caught up.
    case addNonvoter(Server)
    /// Makes a non-voter a voter.
    case promote(NodeID)
    /// Removes a server (a voter or not).
    case remove(NodeID)
}

extension Configuration {
    /// The configuration's bytes: a count, then per server its ID, voter flag and three strings.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        RaftCodec.append(UInt32(servers.count), to: &bytes)
        for server in servers {
            RaftCodec.append(server.id, to: &bytes)
            bytes.append(server.isVoter ? 1 : 0)
            RaftCodec.append(server.name, to: &bytes)
            RaftCodec.append(server.raftAddress, to: &bytes)
            RaftCodec.append(server.httpAddress, to: &bytes)
        }
        return bytes
    }

    /// Decodes what ``encoded()`` wrote.
    public init(decoding bytes: [UInt8]) throws(RaftCodecError) {
        var reader = RaftCodec.Reader(bytes)
        self = try reader.configuration()
        guard reader.isAtEnd else { throw RaftCodecError("trailing bytes after a configuration") }
    }
}
