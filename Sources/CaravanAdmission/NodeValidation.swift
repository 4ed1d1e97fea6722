import CaravanModel
import CaravanState

/// The checks a client node's registration must pass (Nomad's `Node.Register` RPC checks).
enum NodeValidation {
    /// Checks a canonical node (defaults applied) against the node stored under its ID.
    static func validate(_ node: Node, in state: StateVersion) throws(AdmissionError) {
        guard !node.id.isEmpty else { throw .invalid("missing node ID for client registration") }
        guard !node.secretID.isEmpty else { throw .invalid("missing secret ID for client registration") }
        try IdentifierRules.check([("node ID", node.id), ("node name", node.name)])
        guard node.datacenter.utf8.count <= JobValidation.maxDatacenterLength else {
            throw .invalid("node datacenter longer than \(JobValidation.maxDatacenterLength) bytes")
        }
        guard Node.statuses.contains(node.status) else { throw .invalid("invalid status for node") }
        guard Node.eligibilities.contains(node.schedulingEligibility) else {
            throw .invalid("invalid scheduling eligibility for node")
        }
        for (id, info) in Array(node.csiControllerPlugins) + Array(node.csiNodePlugins) {
            guard !id.isEmpty, info.pluginID.isEmpty || info.pluginID == id else {
                throw .invalid("CSI plugin fingerprint \"\(id)\" names plugin \"\(info.pluginID)\"")
            }
            try IdentifierRules.check([("CSI plugin ID", id)])
        }
        if let existing = state.node(id: node.id), !existing.secretID.isEmpty, existing.secretID != node.secretID {
            throw .invalid(StateError.nodeSecretMismatch(node.id).description)
        }
    }
}
