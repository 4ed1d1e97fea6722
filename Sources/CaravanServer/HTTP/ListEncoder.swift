import CaravanModel
public import CaravanState
import Synchronization

/// Encodes the list responses, reusing each entry's bytes until its object changes.
public final class ListEncoder: Sendable {
    private let sortedPluginIDs = Mutex<(version: UInt64, ids: [String])?>(nil)
    private let sortedVolumeKeys = Mutex<(version: UInt64, keys: [VolumeKey])?>(nil)
    private let pluginStubs = EncodedViewCache()
    private let pluginListViews = EncodedViewCache()
    private let jobStubs = EncodedViewCache()
    private let nodeStubs = EncodedViewCache()

    public init() {}

    /// Every plugin ID, sorted; re-sorted only when a plugin was created or deleted.
    public func pluginIDs(_ state: StateVersion) -> [String] {
        if let cached = sortedPluginIDs.withLock({ $0 }), cached.version == state.pluginSetIndex { return cached.ids }
        let ids = state.pluginIDs()
        sortedPluginIDs.withLock { cached in
            if (cached?.version ?? 0) <= state.pluginSetIndex { cached = (state.pluginSetIndex, ids) }
        }
        return ids
    }

    /// Every volume's key, sorted; re-sorted only when a volume was created or deleted.
    public func volumeKeys(_ state: StateVersion) -> [VolumeKey] {
        if let cached = sortedVolumeKeys.withLock({ $0 }), cached.version == state.volumeSetIndex { return cached.keys }
        let keys = state.sortedVolumeKeys()
        sortedVolumeKeys.withLock { cached in
            if (cached?.version ?? 0) <= state.volumeSetIndex { cached = (state.volumeSetIndex, keys) }
        }
        return keys
    }

    /// `GET /v1/plugins?type=csi`: Nomad's plugin list stubs.
    public func pluginStubs(_ state: StateVersion, prefix: String = "") -> [UInt8] {
        let ids = prefix.isEmpty ? pluginIDs(state) : state.pluginIDs(prefix: prefix)
        return plugins(state, ids: ids, cache: pluginStubs, wholeTable: prefix.isEmpty) {
            JSONWriter.encode(CSIPluginListStub($0))
        }
    }

    /// `GET /v1/csi/plugins` and `GET /v1/csi/jobs`: the draft API's plugin stubs for `ids`.
    ///
    /// `visible` limits each plugin's `JobIDs` to the namespaces a caller may list jobs in (`nil`:
    /// all); such a filtered list is encoded afresh.
    public func pluginListViews(
        _ state: StateVersion, ids: [String], wholeTable: Bool, visible: ((String) -> Bool)? = nil
    ) -> [UInt8] {
        guard let visible else {
            return plugins(state, ids: ids, cache: pluginListViews, wholeTable: wholeTable) { JSONWriter.encode(PluginListView($0)) }
        }
        let stubs = ids.compactMap { state.pluginSummary(id: $0) }.map { summary in
            var filtered = summary
            filtered.jobIDs = summary.jobIDs.filter { visible($0.key) }
            return PluginListView(filtered)
        }
        return JSONWriter.encode(stubs)
    }

    /// `GET /v1/jobs`: job list stubs with their summaries, in `namespace` (`nil`: all), or in
    /// the namespaces `visible` accepts when it is given.
    public func jobStubs(_ state: StateVersion, namespace: String?, prefix: String, visible: ((String) -> Bool)? = nil) -> [UInt8] {
        var jobs = state.jobs(namespace: namespace, prefix: prefix)
        if let visible { jobs.removeAll { !visible($0.namespace) } }
        return jobStubs.array(
            of: jobs.map { ("\($0.namespace)/\($0.id)", $0.modifyIndex) }, wholeTable: namespace == nil && prefix.isEmpty && visible == nil
        ) { position in
            let job = jobs[position]
            return JSONWriter.encode(JobListStub(job, summary: state.jobSummary(namespace: job.namespace, id: job.id)))
        }
    }

    /// `GET /v1/nodes`: node list stubs.
    public func nodeStubs(_ state: StateVersion, prefix: String) -> [UInt8] {
        let nodes = state.nodes(prefix: prefix)
        return nodeStubs.array(of: nodes.map { ($0.id, $0.modifyIndex) }, wholeTable: prefix.isEmpty) {
            JSONWriter.encode(NodeListStub(nodes[$0]))
        }
    }

    private func plugins(
        _ state: StateVersion, ids: [String], cache: EncodedViewCache, wholeTable: Bool,
        encode: (CSIPluginSummary) -> [UInt8]
    ) -> [UInt8] {
        let items = ids.map { ($0, state.pluginModifyIndex(id: $0)!) }
        return cache.array(of: items, wholeTable: wholeTable) { encode(state.pluginSummary(id: ids[$0])!) }
    }
}
