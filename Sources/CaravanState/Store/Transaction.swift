import CaravanModel
import HashTreeCollections

/// Applies one command to a state version. Every method checks its preconditions before it
/// changes anything, so a refused command leaves the state exactly as it was; every change is
/// recorded in ``changes`` and bumps its table's index.
struct Transaction {
    /// The version being built; only `Transaction`'s methods (in this file and its extensions)
    /// change it.
    var state: StateVersion
    let index: UInt64
    var changes = ChangeSet()

    init(state: StateVersion, index: UInt64) {
        self.state = state
        self.index = index
    }

    /// The new version: the index advanced, and every changed table's index set to it.
    mutating func finish() -> StateVersion {
        state.index = index
        for table in changes.tables { state.tableIndexes[table] = index }
        return state
    }

    // MARK: Jobs

    mutating func registerJob(_ registration: JobRegistration) -> Result<CommandOutcome, StateError> {
        var job = registration.job
        guard !registration.requiresNamespace || state.namespaceExists(job.namespace) else {
            return .failure(.nonexistentNamespace(jobID: job.id, namespace: job.namespace))
        }
        let key = JobKey(namespace: job.namespace, id: job.id)
        let previous = state.jobs[key]
        job.createIndex = previous?.createIndex ?? index
        job.modifyIndex = index
        if let previous, previous.specification == job.specification {
            job.version = previous.version
            job.jobModifyIndex = previous.jobModifyIndex
            job.submitTime = previous.submitTime
        } else {
            job.version = previous.map(\.version.saturatingSuccessor) ?? 0
            job.jobModifyIndex = index
            job.submitTime = registration.submitTime
        }
        job.status = job.stop ? "dead" : "pending"
        state.jobs[key] = job
        changes.insert(.job(key))
        updateSummary(for: job, key: key)
        updatePlugins(of: key, previous: previous, next: job, time: registration.submitTime)
        return .success(.jobRegistered(jobModifyIndex: job.jobModifyIndex))
    }

    mutating func deregisterJob(_ deregistration: JobDeregistration) -> CommandOutcome {
        let key = JobKey(namespace: deregistration.namespace, id: deregistration.jobID)
        guard let previous = state.jobs[key] else { return .jobDeregistered(jobModifyIndex: 0) }
        if deregistration.purge {
            state.jobs[key] = nil
            changes.insert(.job(key))
            if state.jobSummaries.removeValue(forKey: key) != nil { changes.insert(.table(.jobSummaries)) }
            updatePlugins(of: key, previous: previous, next: nil, time: deregistration.time)
            return .jobDeregistered(jobModifyIndex: 0)
        }
        guard !previous.stop else { return .jobDeregistered(jobModifyIndex: previous.jobModifyIndex) }
        var job = previous
        job.stop = true
        job.status = "dead"
        job.version = job.version.saturatingSuccessor
        job.modifyIndex = index
        job.jobModifyIndex = index
        job.submitTime = deregistration.time
        state.jobs[key] = job
        changes.insert(.job(key))
        updatePlugins(of: key, previous: previous, next: job, time: deregistration.time)
        return .jobDeregistered(jobModifyIndex: index)
    }

    /// Keeps one zeroed summary entry per task group (Caravan schedules nothing).
    private mutating func updateSummary(for job: Job, key: JobKey) {
        let groups = Set(job.taskGroups.map(\.name))
        if let existing = state.jobSummaries[key], Set(existing.summary.keys) == groups { return }
        var summary = state.jobSummaries[key] ?? JobSummary(jobID: job.id, namespace: job.namespace, createIndex: index)
        summary.summary = Dictionary(uniqueKeysWithValues: groups.map { ($0, summary.summary[$0] ?? TaskGroupSummary()) })
        summary.modifyIndex = index
        state.jobSummaries[key] = summary
        changes.insert(.table(.jobSummaries))
        changes.insert(.job(key))
    }

    /// How many instances of each plugin, per role, a live job expects. Service, batch and
    /// sysbatch groups expect their `Count`; a system group expects one per ready, eligible node
    /// in the job's datacenters (Caravan has no scheduler to count allocations).
    private func expectations(of job: Job) -> [String: (controllers: Int?, nodes: Int?)] {
        guard !job.stop else { return [:] }
        var result: [String: (controllers: Int?, nodes: Int?)] = [:]
        for group in job.taskGroups {
            let count = job.type == "system" ? schedulableNodes(in: job.datacenters) : group.count
            for task in group.tasks {
                guard let config = task.csiPluginConfig else { continue }
                var entry = result[config.id] ?? (nil, nil)
                if config.runsController { entry.controllers = (entry.controllers ?? 0).saturatingAdding(count) }
                if config.runsNode { entry.nodes = (entry.nodes ?? 0).saturatingAdding(count) }
                result[config.id] = entry
            }
        }
        return result
    }

    private func schedulableNodes(in patterns: [String]) -> Int {
        state.schedulableNodes.reduce(0) { sum, entry in
            patterns.contains { Glob.matches($0, entry.key) } ? sum.saturatingAdding(entry.value) : sum
        }
    }

    /// Moves a job's plugin expectations from `previous` to `next` (either may be absent).
    private mutating func updatePlugins(of key: JobKey, previous: Job?, next: Job?, time: Int64) {
        if let next, StateVersion.isSystemPluginJob(next) {
            state.systemPluginJobs.insert(key)
        } else {
            state.systemPluginJobs.remove(key)
        }
        let expected = next.map(expectations(of:)) ?? [:]
        let pluginIDs = Set(previous?.pluginIDs ?? []).union(expected.keys)
        for id in pluginIDs.sorted() {
            let entry = expected[id]
            updatePlugin(id, create: entry != nil, time: time) { record in
                record.setJob(key, controllers: entry?.controllers, nodes: entry?.nodes)
            }
        }
    }

    /// Recomputes the expectations of system plugin jobs that run in `datacenters`.
    private mutating func refreshSystemJobs(datacenters: Set<String>, time: Int64) {
        for key in state.systemPluginJobs.sorted() {
            guard let job = state.jobs[key],
                job.datacenters.contains(where: { pattern in datacenters.contains { Glob.matches(pattern, $0) } })
            else { continue }
            updatePlugins(of: key, previous: job, next: job, time: time)
        }
    }

    /// Applies `change` to plugin `id` (created first if absent and `create` is set). A changed
    /// plugin gets this entry's index, or is deleted once nothing runs or expects it.
    ///
    /// The record is changed in place in its table (no copy of it or of its per-node maps unless
    /// a reader holds an older version).
    private mutating func updatePlugin(_ id: String, create: Bool, time: Int64, _ change: (inout PluginRecord) -> Bool) {
        enum Outcome { case unchanged, created, changed, deleted }
        let index = self.index
        // One access to the table slot: look up, create, change, delete, all in place.
        let outcome = { (slot: inout PluginRecord?) -> Outcome in
            let existed = slot != nil
            if !existed {
                guard create else { return .unchanged }
                slot = PluginRecord(id: id, index: index, time: time)
            }
            guard change(&slot!) || !existed else { return .unchanged }
            if slot!.isEmpty {
                slot = nil
                return existed ? .deleted : .unchanged
            }
            slot!.modifyIndex = index
            slot!.modifyTime = time
            return existed ? .changed : .created
        }(&state.plugins[id])
        switch outcome {
        case .unchanged: return
        case .created:
            state.pluginSetIndex = index
            state.pluginVersions[id] = index
        case .deleted:
            state.pluginSetIndex = index
            state.pluginVersions[id] = nil
        case .changed:
            state.pluginVersions[id] = index
        }
        changes.insert(.plugin(id))
    }

    // MARK: Nodes

    mutating func registerNode(_ registration: NodeRegistration) -> Result<CommandOutcome, StateError> {
        var node = registration.node
        // The stored box, not a copy of the node: reading through it retains nothing.
        let previous = state.nodes[node.id]
        if let previous {
            guard previous.value.secretID.isEmpty || previous.value.secretID == node.secretID else {
                return .failure(.nodeSecretMismatch(node.id))
            }
            node.createIndex = previous.value.createIndex
            node.status = previous.value.status
            node.statusUpdatedAt = previous.value.statusUpdatedAt
            node.schedulingEligibility = previous.value.schedulingEligibility
        } else {
            node.createIndex = index
            node.statusUpdatedAt = registration.time / 1_000_000_000
        }
        node.modifyIndex = index
        changes.insert(.node(node.id))
        reconcileFingerprints(
            nodeID: node.id, controllers: node.csiControllerPlugins, nodes: node.csiNodePlugins,
            previousControllers: previous?.value.csiControllerPlugins ?? [:], previousNodes: previous?.value.csiNodePlugins ?? [:],
            time: registration.time
        )
        adjustSchedulable(before: previous?.value.schedulableDatacenter, after: node.schedulableDatacenter, time: registration.time)
        state.nodes[node.id] = ImmutableBox(node)
        return .success(.nodeRegistered(nodeModifyIndex: index))
    }

    mutating func updateNodeStatus(_ update: NodeStatusUpdate) -> Result<CommandOutcome, StateError> {
        guard var node = state.nodes[update.nodeID]?.value else { return .failure(.nodeNotFound(update.nodeID)) }
        let previous = node
        node.status = update.status
        node.statusUpdatedAt = update.time / 1_000_000_000
        node.modifyIndex = index
        state.nodes[node.id] = ImmutableBox(node)
        changes.insert(.node(node.id))
        adjustSchedulable(before: previous.schedulableDatacenter, after: node.schedulableDatacenter, time: update.time)
        if node.status == "down" { releaseClaims(onNode: node.id, time: update.time) }
        return .success(.nodeUpdated(nodeModifyIndex: index))
    }

    mutating func deregisterNode(_ deregistration: NodeDeregistration) -> Result<CommandOutcome, StateError> {
        guard let previous = state.nodes.removeValue(forKey: deregistration.nodeID)?.value else {
            return .failure(.nodeNotFound(deregistration.nodeID))
        }
        changes.insert(.node(previous.id))
        reconcileFingerprints(
            nodeID: previous.id, controllers: [:], nodes: [:], previousControllers: previous.csiControllerPlugins,
            previousNodes: previous.csiNodePlugins, time: deregistration.time
        )
        adjustSchedulable(before: previous.schedulableDatacenter, after: nil, time: deregistration.time)
        releaseClaims(onNode: previous.id, time: deregistration.time)
        return .success(.nodeDeregistered)
    }

    /// Brings every plugin in line with `node`'s fingerprint: records what it reports and
    /// removes the instances it reported before and no longer does.
    private mutating func reconcileFingerprints(
        nodeID: String, controllers: [String: CSIInfo], nodes: [String: CSIInfo],
        previousControllers: [String: CSIInfo], previousNodes: [String: CSIInfo], time: Int64
    ) {
        // Every role's additions before any removal: a plugin that moves from one role to the
        // other on this node must not be emptied, deleted and created anew in between.
        record(controllers, nodeID: nodeID, role: .controller, time: time)
        record(nodes, nodeID: nodeID, role: .node, time: time)
        remove(previousControllers, unless: controllers, nodeID: nodeID, role: .controller, time: time)
        remove(previousNodes, unless: nodes, nodeID: nodeID, role: .node, time: time)
    }

    private mutating func record(_ fingerprints: [String: CSIInfo], nodeID: String, role: PluginRecord.Role, time: Int64) {
        for id in Self.sortedKeys(fingerprints) {
            let info = fingerprints[id]!
            updatePlugin(id, create: info.healthy, time: time) { record in
                record.setInstance(info, nodeID: nodeID, role: role)
            }
        }
    }

    private mutating func remove(
        _ before: [String: CSIInfo], unless current: [String: CSIInfo], nodeID: String, role: PluginRecord.Role, time: Int64
    ) {
        for id in Self.sortedKeys(before) where current[id] == nil {
            updatePlugin(id, create: false, time: time) { record in
                record.removeInstance(nodeID: nodeID, role: role)
            }
        }
    }

    /// A map's keys in sorted order (the state machine never depends on hash order), without
    /// allocating for the common maps of zero or one entry.
    private static func sortedKeys(_ map: [String: CSIInfo]) -> [String] {
        map.count <= 1 ? Array(map.keys) : map.keys.sorted()
    }

    /// Keeps the per-datacenter count of ready, eligible nodes, and the system jobs that follow it.
    /// `before` and `after` are the node's datacenter while it counts (ready and eligible).
    private mutating func adjustSchedulable(before: String?, after: String?, time: Int64) {
        guard before != after else { return }
        if let before {
            let remaining = state.schedulableNodes[before, default: 0] - 1
            state.schedulableNodes[before] = remaining > 0 ? remaining : nil
        }
        if let after { state.schedulableNodes[after, default: 0] += 1 }
        guard !state.systemPluginJobs.isEmpty else { return }
        refreshSystemJobs(datacenters: Set([before, after].compactMap { $0 }), time: time)
    }
}
