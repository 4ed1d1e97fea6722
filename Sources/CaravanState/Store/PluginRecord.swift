import CaravanModel
import HashTreeCollections

/// A CSI plugin as the state stores it. The per-node maps are persistent hash trees so that an
/// update to one node's fingerprint copies a path, not the whole map, when readers hold the
/// previous state version.
struct PluginRecord: Sendable {
    var id: String
    var provider = ""
    var version = ""
    var controllerRequired = false
    var controllers: TreeDictionary<String, ImmutableBox<CSIInfo>> = [:]
    var nodes: TreeDictionary<String, ImmutableBox<CSIInfo>> = [:]
    var controllersHealthy = 0
    var nodesHealthy = 0
    /// Job → instances it expects, per role. Keys exist for every live job that runs the plugin.
    var controllerJobs: [JobKey: Int] = [:]
    var nodeJobs: [JobKey: Int] = [:]
    var createIndex: UInt64
    var modifyIndex: UInt64
    var createTime: Int64
    var modifyTime: Int64

    init(id: String, index: UInt64, time: Int64) {
        self.id = id
        createIndex = index
        modifyIndex = index
        createTime = time
        modifyTime = time
    }

    /// No fingerprints and no job runs it: the plugin is deleted.
    var isEmpty: Bool {
        controllers.isEmpty && nodes.isEmpty && controllerJobs.isEmpty && nodeJobs.isEmpty
    }

    var controllersExpected: Int { controllerJobs.values.saturatingSum() }
    var nodesExpected: Int { nodeJobs.values.saturatingSum() }

    enum Role { case controller, node }

    /// Records `info` as `nodeID`'s fingerprint in `role`; returns whether anything changed. A
    /// first-seen unhealthy instance is not recorded (Nomad's rule).
    mutating func setInstance(_ info: CSIInfo, nodeID: String, role: Role) -> Bool {
        var changed = provider != info.provider || version != info.providerVersion
        if changed {
            provider = info.provider
            version = info.providerVersion
        }
        if role == .controller, controllerRequired != info.requiresControllerPlugin {
            controllerRequired = info.requiresControllerPlugin
            changed = true
        }
        // One access to the instance's slot in the per-node map.
        func record(_ slot: inout ImmutableBox<CSIInfo>?) -> Int? {
            let previous = slot?.value
            guard previous != info, previous != nil || info.healthy else { return nil }
            slot = ImmutableBox(info)
            return (info.healthy ? 1 : 0) - (previous?.healthy == true ? 1 : 0)
        }
        let delta = role == .controller ? record(&controllers[nodeID]) : record(&nodes[nodeID])
        guard let healthDelta = delta else { return changed }
        if role == .controller { controllersHealthy += healthDelta } else { nodesHealthy += healthDelta }
        return true
    }

    /// Sets `job`'s expectation in each role (`nil`: the job does not run that role); returns
    /// whether anything changed.
    mutating func setJob(_ job: JobKey, controllers: Int?, nodes: Int?) -> Bool {
        guard controllerJobs[job] != controllers || nodeJobs[job] != nodes else { return false }
        controllerJobs[job] = controllers
        nodeJobs[job] = nodes
        return true
    }

    /// Removes `nodeID`'s instance in `role`; returns whether there was one.
    @discardableResult
    mutating func removeInstance(nodeID: String, role: Role) -> Bool {
        switch role {
        case .controller:
            guard let previous = controllers.removeValue(forKey: nodeID) else { return false }
            if previous.value.healthy { controllersHealthy -= 1 }
        case .node:
            guard let previous = nodes.removeValue(forKey: nodeID) else { return false }
            if previous.value.healthy { nodesHealthy -= 1 }
        }
        return true
    }

    var summary: CSIPluginSummary {
        var jobIDs: [String: [String]] = [:]
        for key in Set(controllerJobs.keys).union(nodeJobs.keys) { jobIDs[key.namespace, default: []].append(key.id) }
        for namespace in jobIDs.keys { jobIDs[namespace]!.sort() }
        return CSIPluginSummary(
            id: id, provider: provider, version: version, controllerRequired: controllerRequired,
            controllersHealthy: controllersHealthy, controllersExpected: controllersExpected,
            nodesHealthy: nodesHealthy, nodesExpected: nodesExpected, createIndex: createIndex,
            modifyIndex: modifyIndex, createTime: createTime, modifyTime: modifyTime, jobIDs: jobIDs
        )
    }

    var plugin: CSIPlugin {
        func descriptions(_ jobs: [JobKey: Int]) -> [String: [String: JobDescription]] {
            var result: [String: [String: JobDescription]] = [:]
            for (key, expected) in jobs {
                result[key.namespace, default: [:]][key.id] = JobDescription(namespace: key.namespace, id: key.id, expected: expected)
            }
            return result
        }
        return CSIPlugin(
            summary: summary,
            controllers: Dictionary(uniqueKeysWithValues: controllers.map { ($0.key, $0.value.value) }),
            nodes: Dictionary(uniqueKeysWithValues: nodes.map { ($0.key, $0.value.value) }),
            controllerJobs: descriptions(controllerJobs),
            nodeJobs: descriptions(nodeJobs)
        )
    }
}
