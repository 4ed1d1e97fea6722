import CaravanModel

/// The shape every applied command must have, whoever proposed it.
///
/// The API validates far more before it proposes anything; these are the few rules the state's
/// own bookkeeping relies on, checked again when an entry is applied because an entry's bytes are
/// whatever its proposer wrote. A command that breaks one is refused (``StateError/invalidCommand(_:)``),
/// the same way on every replica and in every replay, and changes nothing.
extension Command {
    /// Why applying this command would break an invariant of the state; `nil` if it would not.
    var invariantViolation: String? {
        switch self {
        case .noop:
            return nil
        case .jobRegister(let registration):
            let job = registration.job
            if job.id.isEmpty { return "job ID is empty" }
            for group in job.taskGroups {
                // Expected plugin counts are sums of these: non-negative terms keep a sum that
                // saturates independent of the order it is taken in.
                if group.count < 0 { return "task group \(group.name) has a negative count" }
                if group.tasks.contains(where: { $0.csiPluginConfig?.id.isEmpty == true }) {
                    return "task group \(group.name) runs a plugin with an empty ID"
                }
            }
            return nil
        case .jobDeregister(let deregistration):
            return deregistration.jobID.isEmpty ? "job ID is empty" : nil
        case .nodeRegister(let registration):
            let node = registration.node
            if node.id.isEmpty { return "node ID is empty" }
            if node.csiControllerPlugins.keys.contains("") || node.csiNodePlugins.keys.contains("") {
                return "node \(node.id) fingerprints a plugin with an empty ID"
            }
            return nil
        case .nodeStatusUpdate(let update):
            return update.nodeID.isEmpty ? "node ID is empty" : nil
        case .nodeDeregister(let deregistration):
            return deregistration.nodeID.isEmpty ? "node ID is empty" : nil
        case .aclBootstrap(let token):
            return Self.violation(in: [token])
        case .aclPolicyUpsert(let policies):
            return policies.contains { $0.name.isEmpty } ? "ACL policy name is empty" : nil
        case .aclPolicyDelete, .aclTokenDelete, .namespaceDelete:
            return nil
        case .aclTokenUpsert(let upsert):
            return Self.violation(in: upsert.tokens)
        case .namespaceUpsert(let namespaces):
            return namespaces.contains { $0.name.isEmpty } ? "namespace name is empty" : nil
        case .volumeRegister(let registration):
            return registration.volumes.contains { $0.id.isEmpty || !Self.isVolumeNamespace($0.namespace) } ? "volume ID or namespace is empty" : nil
        case .volumeDeregister(let deregistration):
            return deregistration.volumeIDs.contains("") || !Self.isVolumeNamespace(deregistration.namespace) ? "volume ID or namespace is empty" : nil
        case .volumeClaim(let update):
            if update.volumeID.isEmpty || !Self.isVolumeNamespace(update.namespace) { return "volume ID or namespace is empty" }
            if update.claim.allocationID.isEmpty && update.claim.mode != .garbageCollection { return "a claim without an allocation ID" }
            return nil
        case .volumeDetach(let detach):
            return detach.volumeID.isEmpty || detach.nodeID.isEmpty || !Self.isVolumeNamespace(detach.namespace)
                ? "volume ID, node ID or namespace is empty" : nil
        }
    }

    /// A volume lives in one named namespace (`*` is a query's wildcard, not a namespace).
    private static func isVolumeNamespace(_ namespace: String) -> Bool { !namespace.isEmpty && namespace != "*" }

    /// Every token needs both of its IDs, and a command holds one version of each token.
    private static func violation(in tokens: [ACLToken]) -> String? {
        var accessors: Set<String> = []
        for token in tokens {
            if token.accessorID.isEmpty { return "ACL token accessor ID is empty" }
            if token.secretID.isEmpty { return "ACL token \(token.accessorID) has an empty secret ID" }
            if !accessors.insert(token.accessorID).inserted { return "ACL token \(token.accessorID) appears twice" }
        }
        return nil
    }
}
