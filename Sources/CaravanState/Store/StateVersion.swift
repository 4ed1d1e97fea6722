public import CaravanModel
import HashTreeCollections

/// One immutable version of Caravan's state: the tables as of ``index``. Readers hold a version
/// for as long as they like; the state machine's next write builds a new version that shares
/// every unchanged part with this one (the tables are persistent hash trees).
public struct StateVersion: Sendable {
    /// The raft index of the last entry applied.
    public internal(set) var index: UInt64 = 0
    var jobs: TreeDictionary<JobKey, Job> = [:]
    var jobSummaries: TreeDictionary<JobKey, JobSummary> = [:]
    var nodes: TreeDictionary<String, ImmutableBox<Node>> = [:]
    var plugins: TreeDictionary<String, PluginRecord> = [:]
    /// Derived: each plugin's `ModifyIndex`, so that list reads can check thousands of versions
    /// without copying the records out of the table.
    var pluginVersions: TreeDictionary<String, UInt64> = [:]
    /// Derived: the index of the entry that last created or deleted a plugin. Sorted plugin ID
    /// lists stay valid while it does not move.
    public internal(set) var pluginSetIndex: UInt64 = 0
    var tableIndexes = TableIndexes()
    /// Derived: datacenter → number of ready, eligible nodes in it.
    var schedulableNodes: [String: Int] = [:]
    /// Derived: live system jobs that run a plugin (their expectations follow the nodes).
    var systemPluginJobs: Set<JobKey> = []
    var aclPolicies: TreeDictionary<String, ACLPolicy> = [:]
    /// Tokens by accessor ID.
    var aclTokens: TreeDictionary<String, ACLToken> = [:]
    /// Derived: each token's accessor ID under the digest of its secret (see ``SecretDigest``).
    var aclAccessorsBySecret: TreeDictionary<SecretDigest, String> = [:]
    /// The index of the entry that bootstrapped ACLs (0: not yet).
    public internal(set) var aclBootstrapIndex: UInt64 = 0
    /// Namespaces by name; `default` is stored only once an operator has written it.
    var namespaces: TreeDictionary<String, Namespace> = [:]
    var volumes: TreeDictionary<VolumeKey, CSIVolume> = [:]
    /// Derived: node ID → the volumes with a claim (live or being released) from that node.
    var volumesClaimedOnNode: TreeDictionary<String, Set<VolumeKey>> = [:]
    /// Derived: an index at or after the entry that last created or deleted a volume (a restored
    /// state starts at its own index). Sorted volume key lists stay valid while it does not move.
    public internal(set) var volumeSetIndex: UInt64 = 0

    public init() {}

    /// Rebuilds the fields that are a pure function of the tables (`pluginVersions`,
    /// `schedulableNodes`, `systemPluginJobs`, `aclAccessorsBySecret`, `volumesClaimedOnNode`), for a state restored from
    /// its tables alone. A new derived field must be rebuilt here too, or a restored state would
    /// answer without it.
    mutating func recomputeDerivedFields() {
        aclAccessorsBySecret = [:]
        for token in aclTokens.values { aclAccessorsBySecret[SecretDigest(token.secretID)] = token.accessorID }
        pluginVersions = plugins.mapValues(\.modifyIndex)
        schedulableNodes = [:]
        for node in nodes.values {
            if let datacenter = node.value.schedulableDatacenter { schedulableNodes[datacenter, default: 0] += 1 }
        }
        systemPluginJobs = Set(jobs.lazy.filter { Self.isSystemPluginJob($0.value) }.map(\.key))
        volumesClaimedOnNode = [:]
        volumeSetIndex = index
        for (key, volume) in volumes {
            for node in volume.claimingNodes { volumesClaimedOnNode[node, default: []].insert(key) }
        }
    }

    /// Whether `job` belongs in `systemPluginJobs`: a live system job that runs a plugin.
    static func isSystemPluginJob(_ job: Job) -> Bool {
        job.type == "system" && !job.stop && !job.pluginTasks.isEmpty
    }

    // MARK: Indexes

    /// The index of the last entry that changed `table` (0 if none has).
    public func tableIndex(_ table: Table) -> UInt64 { tableIndexes[table] }

    // MARK: Jobs

    public func job(namespace: String, id: String) -> Job? { jobs[JobKey(namespace: namespace, id: id)] }

    public func jobSummary(namespace: String, id: String) -> JobSummary? {
        jobSummaries[JobKey(namespace: namespace, id: id)]
    }

    /// Jobs whose ID starts with `prefix`, in `namespace` (`nil`: every namespace), sorted by
    /// namespace then ID.
    public func jobs(namespace: String?, prefix: String = "") -> [Job] {
        jobs.values
            .filter { (namespace == nil || $0.namespace == namespace) && $0.id.hasPrefix(prefix) }
            .sorted { JobKey(namespace: $0.namespace, id: $0.id) < JobKey(namespace: $1.namespace, id: $1.id) }
    }

    // MARK: Nodes

    public func node(id: String) -> Node? { nodes[id]?.value }

    /// Nodes whose ID starts with `prefix`, sorted by ID.
    public func nodes(prefix: String = "") -> [Node] {
        nodes.values.lazy.map(\.value).filter { $0.id.hasPrefix(prefix) }.sorted { $0.id < $1.id }
    }

    public var nodeCount: Int { nodes.count }

    // MARK: Plugins

    public func plugin(id: String) -> CSIPlugin? { plugins[id]?.plugin }

    public func pluginSummary(id: String) -> CSIPluginSummary? { plugins[id]?.summary }

    /// The index of the entry that last changed plugin `id`.
    public func pluginModifyIndex(id: String) -> UInt64? { pluginVersions[id] }

    /// IDs of the plugins whose ID starts with `prefix`, sorted.
    public func pluginIDs(prefix: String = "") -> [String] {
        plugins.keys.filter { $0.hasPrefix(prefix) }.sorted()
    }

    public var pluginCount: Int { plugins.count }

    /// Whether any live job runs plugin `id`.
    public func pluginHasJobs(id: String) -> Bool {
        guard let record = plugins[id] else { return false }
        return !record.controllerJobs.isEmpty || !record.nodeJobs.isEmpty
    }

    /// The live jobs in `namespace` that run plugin `id`, sorted by ID, with their summaries.
    public func jobsRunningPlugin(id: String, namespace: String) -> [(job: Job, summary: JobSummary?)] {
        guard let record = plugins[id] else { return [] }
        let keys = Set(record.controllerJobs.keys).union(record.nodeJobs.keys).filter { $0.namespace == namespace }
        return keys.sorted().compactMap { key in jobs[key].map { ($0, jobSummaries[key]) } }
    }
}
