import CaravanModel
import Crypto
import HashTreeCollections

/// Why bytes could not be restored as a ``StateVersion``.
public enum StateVersionDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes do not start with ``StateVersion/encodingMagic``: they are not a state snapshot.
    case notAnEncodedState
    /// A state snapshot in a format version this build cannot read (written by a newer build).
    case unsupportedFormatVersion(UInt64, supported: UInt64)
    /// The snapshot's body could not be read: truncated, a bad tag or length, records out of key
    /// order or repeated, or bytes left over.
    case malformed(BinaryDecodingError)

    public var description: String {
        switch self {
        case .notAnEncodedState: "not a Caravan state snapshot (the bytes do not start with \"CRVNSTAT\")"
        case .unsupportedFormatVersion(let version, let supported):
            "unsupported state snapshot format version \(version) (this build reads version \(supported))"
        case .malformed(let error): "malformed state snapshot: \(error)"
        }
    }
}

/// The canonical binary encoding of a state version (what a snapshot stores), and its hash.
///
/// The layout, in ``BinaryWriter``'s primitives:
///
///     magic               8 bytes, ASCII "CRVNSTAT"
///     format version      uvarint, 1
///     index               uvarint
///     table indexes       uvarint each: jobs, job summaries, nodes, plugins
///     plugin set index    uvarint
///     jobs                count, then each job in (namespace, ID) order
///     job summaries       count, then each summary in (namespace, job ID) order
///     nodes               count, then each node in ID order
///     plugins             count, then each plugin record in ID order:
///                           ID, provider, version, controller required,
///                           controllers healthy, nodes healthy,
///                           controllers and nodes: count, then (node ID, fingerprint) in node ID order,
///                           controller jobs and node jobs: count, then (namespace, job ID, expected)
///                             in (namespace, job ID) order,
///                           create index, modify index, create time, modify time
///     ACL bootstrap index uvarint (version 2 on)
///     table indexes       uvarint each: ACL policies, ACL tokens, namespaces (version 2 on)
///     ACL policies        count, then each policy in name order (version 2 on)
///     ACL tokens          count, then each token in accessor ID order (version 2 on)
///     namespaces          count, then each namespace in name order (version 2 on)
///     volumes table index uvarint (version 3 on)
///     volumes             count, then each volume in (namespace, ID) order (version 3 on)
///
/// A state is written in the lowest version that holds it: version 3 only once a volume has
/// been written, so a state without volumes has the bytes (and hash) older builds gave it.
/// A version 1 snapshot (written before ACLs and namespaces existed) ends after the plugins and
/// restores with none of them.
/// A table's key is its record's identity (a job's namespace and ID, a node's ID, a plugin's
/// ID), so it is not written twice. Every map is written in ascending key order, never in hash
/// order (which Swift seeds per process), so equal states give equal bytes on every machine. The
/// decoder requires that order of the tables and of the plugins' maps, which also rules out a
/// repeated key.
///
/// The derived fields (`pluginVersions`, `schedulableNodes`, `systemPluginJobs`) are a pure
/// function of the tables: they are not written, and decoding recomputes them.
extension StateVersion {
    /// The bytes every state snapshot starts with.
    public static let encodingMagic: [UInt8] = Array("CRVNSTAT".utf8)

    /// The snapshot format this build writes and reads.
    public static let encodingFormatVersion: UInt64 = 3

    /// The tables whose indexes the header carries, in the format's order.
    private static let indexedTables: [Table] = [.jobs, .jobSummaries, .nodes, .plugins]

    /// The tables whose indexes follow the plugins (version 2 on), in the format's order.
    private static let aclTables: [Table] = [.aclPolicies, .aclTokens, .namespaces]

    /// The state as canonical snapshot bytes: equal states give equal bytes.
    public func encoded() -> [UInt8] {
        var w = BinaryWriter(reservingCapacity: estimatedEncodedSize)
        for byte in Self.encodingMagic { w.byte(byte) }
        let version = encodingVersion
        w.uvarint(version)
        w.uvarint(index)
        for table in Self.indexedTables { w.uvarint(tableIndexes[table]) }
        w.uvarint(pluginSetIndex)
        w.sortedEntries(of: jobs) { w, key, job in
            assert(key == JobKey(namespace: job.namespace, id: job.id), "a job is stored under its own key")
            job.encode(to: &w)
        }
        w.sortedEntries(of: jobSummaries) { w, key, summary in
            assert(key == JobKey(namespace: summary.namespace, id: summary.jobID), "a summary is stored under its job's key")
            summary.encode(to: &w)
        }
        w.sortedEntries(of: nodes) { w, id, node in
            assert(id == node.value.id, "a node is stored under its own ID")
            node.value.encode(to: &w)
        }
        w.sortedEntries(of: plugins) { w, id, record in
            assert(id == record.id, "a plugin is stored under its own ID")
            record.encode(to: &w)
        }
        w.uvarint(aclBootstrapIndex)
        for table in Self.aclTables { w.uvarint(tableIndexes[table]) }
        w.sortedEntries(of: aclPolicies) { w, name, policy in
            assert(name == policy.name, "a policy is stored under its own name")
            policy.encode(to: &w)
        }
        w.sortedEntries(of: aclTokens) { w, accessorID, token in
            assert(accessorID == token.accessorID, "a token is stored under its own accessor ID")
            token.encode(to: &w)
        }
        w.sortedEntries(of: namespaces) { w, name, namespace in
            assert(name == namespace.name, "a namespace is stored under its own name")
            namespace.encode(to: &w)
        }
        if version >= 3 {
            w.uvarint(tableIndexes[.volumes])
            w.sortedEntries(of: volumes) { w, key, volume in
                assert(key == VolumeKey(namespace: volume.namespace, id: volume.id), "a volume is stored under its own key")
                volume.encode(to: &w)
            }
        }
        return w.bytes
    }

    /// The lowest format version that holds this state.
    private var encodingVersion: UInt64 {
        volumes.isEmpty && tableIndexes[.volumes] == 0 ? 2 : 3
    }

    /// Restores the state that ``encoded()`` wrote, derived fields included. Bytes that are not
    /// a snapshot this build can read are an error, never a crash.
    public init(decoding bytes: [UInt8]) throws(StateVersionDecodingError) {
        guard bytes.starts(with: Self.encodingMagic) else {
            // A prefix of the magic is a truncated snapshot; anything else is not one at all.
            throw Self.encodingMagic.starts(with: bytes) ? .malformed(.truncated(offset: bytes.count)) : .notAnEncodedState
        }
        var r = BinaryReader(bytes, offset: Self.encodingMagic.count)
        let version: UInt64
        do throws(BinaryDecodingError) {
            version = try r.uvarint()
        } catch {
            throw .malformed(error)
        }
        guard (1...Self.encodingFormatVersion).contains(version) else {
            throw .unsupportedFormatVersion(version, supported: Self.encodingFormatVersion)
        }
        self.init()
        do throws(BinaryDecodingError) {
            index = try r.uvarint()
            for table in Self.indexedTables { tableIndexes[table] = try r.uvarint() }
            pluginSetIndex = try r.uvarint()
            jobs = try r.sortedTree("jobs table") { (r: inout BinaryReader) throws(BinaryDecodingError) in
                let job = try Job.decode(from: &r)
                return (JobKey(namespace: job.namespace, id: job.id), job)
            }
            jobSummaries = try r.sortedTree("job summaries table") { (r: inout BinaryReader) throws(BinaryDecodingError) in
                let summary = try JobSummary.decode(from: &r)
                return (JobKey(namespace: summary.namespace, id: summary.jobID), summary)
            }
            nodes = try r.sortedTree("nodes table") { (r: inout BinaryReader) throws(BinaryDecodingError) in
                let node = try Node.decode(from: &r)
                return (node.id, ImmutableBox(node))
            }
            plugins = try r.sortedTree("plugins table") { (r: inout BinaryReader) throws(BinaryDecodingError) in
                let record = try PluginRecord.decode(from: &r)
                return (record.id, record)
            }
            if version >= 2 {
                aclBootstrapIndex = try r.uvarint()
                for table in Self.aclTables { tableIndexes[table] = try r.uvarint() }
                aclPolicies = try r.sortedTree("ACL policies table") { (r: inout BinaryReader) throws(BinaryDecodingError) in
                    let policy = try ACLPolicy.decode(from: &r)
                    return (policy.name, policy)
                }
                aclTokens = try r.sortedTree("ACL tokens table") { (r: inout BinaryReader) throws(BinaryDecodingError) in
                    let token = try ACLToken.decode(from: &r)
                    return (token.accessorID, token)
                }
                namespaces = try r.sortedTree("namespaces table") { (r: inout BinaryReader) throws(BinaryDecodingError) in
                    let namespace = try Namespace.decode(from: &r)
                    return (namespace.name, namespace)
                }
            }
            if version >= 3 {
                tableIndexes[.volumes] = try r.uvarint()
                volumes = try r.sortedTree("volumes table") { (r: inout BinaryReader) throws(BinaryDecodingError) in
                    let volume = try CSIVolume.decode(from: &r)
                    return (VolumeKey(namespace: volume.namespace, id: volume.id), volume)
                }
            }
            try r.expectEnd()
        } catch {
            throw .malformed(error)
        }
        recomputeDerivedFields()
    }

    /// The lowercase hex SHA-256 of ``encoded()``: equal states have equal hashes, and
    /// different states (but for a SHA-256 collision) different ones.
    public var stateHash: String { Self.stateHash(of: encoded()) }

    /// The lowercase hex SHA-256 of `encoding`, for a caller that already holds the state's
    /// bytes (``encoded()``) and should not encode it twice.
    public static func stateHash(of encoding: [UInt8]) -> String {
        let hexDigits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(2 * SHA256.byteCount)
        for byte in SHA256.hash(data: encoding) {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// A generous size of the encoding (ample bytes per record), so that the buffer is allocated
    /// once: growing it would copy everything written so far, while capacity that is never
    /// written costs address space, not memory.
    private var estimatedEncodedSize: Int {
        let instances = plugins.values.reduce(0) { $0 + $1.controllers.count + $1.nodes.count }
        return 64 + 256 * (aclPolicies.count + aclTokens.count + namespaces.count) + 768 * jobs.count + 128 * jobSummaries.count + 768 * nodes.count
            + 256 * plugins.count + 256 * instances + 512 * volumes.count
    }
}

extension PluginRecord {
    func encode(to w: inout BinaryWriter) {
        w.string(id)
        w.string(provider)
        w.string(version)
        w.bool(controllerRequired)
        w.int(controllersHealthy)
        w.int(nodesHealthy)
        w.sortedEntries(of: controllers, Self.writeInstance)
        w.sortedEntries(of: nodes, Self.writeInstance)
        w.sortedEntries(of: controllerJobs, Self.writeExpectation)
        w.sortedEntries(of: nodeJobs, Self.writeExpectation)
        w.uvarint(createIndex)
        w.uvarint(modifyIndex)
        w.varint(createTime)
        w.varint(modifyTime)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> PluginRecord {
        var record = PluginRecord(id: try r.string(), index: 0, time: 0)
        record.provider = try r.string()
        record.version = try r.string()
        record.controllerRequired = try r.bool()
        record.controllersHealthy = try r.int()
        record.nodesHealthy = try r.int()
        record.controllers = try r.sortedTree("plugin controllers", readInstance)
        record.nodes = try r.sortedTree("plugin nodes", readInstance)
        try r.sortedEntries("plugin controller jobs", readExpectation) { record.controllerJobs[$0] = $1 }
        try r.sortedEntries("plugin node jobs", readExpectation) { record.nodeJobs[$0] = $1 }
        record.createIndex = try r.uvarint()
        record.modifyIndex = try r.uvarint()
        record.createTime = try r.varint()
        record.modifyTime = try r.varint()
        return record
    }

    /// One node's fingerprint in one role: the node's ID, then the fingerprint.
    private static func writeInstance(_ w: inout BinaryWriter, nodeID: String, info: ImmutableBox<CSIInfo>) {
        w.string(nodeID)
        info.value.encode(to: &w)
    }

    private static func readInstance(_ r: inout BinaryReader) throws(BinaryDecodingError) -> (key: String, value: ImmutableBox<CSIInfo>) {
        (try r.string(), ImmutableBox(try CSIInfo.decode(from: &r)))
    }

    /// One job's expectation in one role: the job's key, then the instances it expects.
    private static func writeExpectation(_ w: inout BinaryWriter, job: JobKey, expected: Int) {
        job.encode(to: &w)
        w.int(expected)
    }

    private static func readExpectation(_ r: inout BinaryReader) throws(BinaryDecodingError) -> (key: JobKey, value: Int) {
        (try JobKey.decode(from: &r), try r.int())
    }
}

extension JobKey {
    func encode(to w: inout BinaryWriter) {
        w.string(namespace)
        w.string(id)
    }

    static func decode(from r: inout BinaryReader) throws(BinaryDecodingError) -> JobKey {
        JobKey(namespace: try r.string(), id: try r.string())
    }
}

/// A key of a map the snapshot writes in ascending order, with a shortcut for comparing two keys.
protocol SnapshotOrderedKey: Comparable {
    /// The key's first eight bytes as a big-endian integer, when comparing these integers agrees
    /// with `<` for any two keys whose integers differ; `nil` when it may not.
    var orderPrefix: UInt64? { get }
}

extension String: SnapshotOrderedKey {
    /// Only for an all-ASCII string: Swift orders strings by their normalized scalars, and
    /// normalization can change how a non-ASCII byte sequence compares.
    var orderPrefix: UInt64? {
        var string = self
        return string.withUTF8 { utf8 in
            var prefix: UInt64 = 0
            for (position, byte) in utf8.enumerated() {
                guard byte < 0x80 else { return nil }
                if position < 8 { prefix |= UInt64(byte) << (56 - 8 * UInt64(position)) }
            }
            return prefix
        }
    }
}

extension JobKey: SnapshotOrderedKey {
    /// Job keys compare their namespaces first, which are mostly equal: no shortcut.
    var orderPrefix: UInt64? { nil }
}

extension VolumeKey: SnapshotOrderedKey {
    /// Volume keys compare their namespaces first, which are mostly equal: no shortcut.
    var orderPrefix: UInt64? { nil }
}

extension BinaryWriter {
    /// A map's entries, preceded by their count, in ascending key order (never the map's own
    /// iteration order, which follows hashes).
    ///
    /// Sorts entry positions by key prefix and compares whole keys only on a tie: comparing long
    /// string keys, or sorting (key, value) pairs, costs several times more.
    mutating func sortedEntries<Key: SnapshotOrderedKey, Value>(
        of map: some Collection<(key: Key, value: Value)>, _ writeEntry: (inout BinaryWriter, Key, Value) -> Void
    ) {
        uvarint(UInt64(map.count))
        if map.count == 1, let only = map.first {
            writeEntry(&self, only.key, only.value)
            return
        }
        // Keys apart from values, so that comparing two keys copies no value.
        var keys = ContiguousArray<Key>()
        var values = ContiguousArray<Value>()
        var order = ContiguousArray<(prefix: UInt64?, position: Int)>()
        keys.reserveCapacity(map.count)
        values.reserveCapacity(map.count)
        order.reserveCapacity(map.count)
        for (key, value) in map {
            order.append((key.orderPrefix, keys.count))
            keys.append(key)
            values.append(value)
        }
        order.sort { a, b in
            if let prefixA = a.prefix, let prefixB = b.prefix, prefixA != prefixB { return prefixA < prefixB }
            return keys[a.position] < keys[b.position]
        }
        for (_, position) in order { writeEntry(&self, keys[position], values[position]) }
    }
}

extension BinaryReader {
    /// Reads what ``BinaryWriter/sortedEntries(of:_:)`` wrote, handing each entry to `insert`.
    /// The keys must ascend strictly: that is the canonical order, and it rules out a repeated key.
    mutating func sortedEntries<Key: Comparable, Value>(
        _ context: String, _ readEntry: (inout BinaryReader) throws(BinaryDecodingError) -> (key: Key, value: Value),
        into insert: (Key, Value) -> Void
    ) throws(BinaryDecodingError) {
        let entryCount = try count(context)
        var previous: Key?
        for _ in 0..<entryCount {
            let start = offset
            let entry = try readEntry(&self)
            if let previous, !(previous < entry.key) { throw .malformed(offset: start, context: "\(context) key order") }
            previous = entry.key
            insert(entry.key, entry.value)
        }
    }

    /// Reads sorted entries (``sortedEntries(_:_:into:)``) into a persistent hash tree.
    mutating func sortedTree<Key: Comparable & Hashable, Value>(
        _ context: String, _ readEntry: (inout BinaryReader) throws(BinaryDecodingError) -> (key: Key, value: Value)
    ) throws(BinaryDecodingError) -> TreeDictionary<Key, Value> {
        var tree: TreeDictionary<Key, Value> = [:]
        try sortedEntries(context, readEntry) { tree[$0] = $1 }
        return tree
    }
}
