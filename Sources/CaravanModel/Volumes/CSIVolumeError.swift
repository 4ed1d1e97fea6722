/// Why a volume registration, claim or deregistration was refused, in Nomad's words.
public enum CSIVolumeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `Validate()`'s findings, joined.
    case validation([String])
    case noSuchPlugin(String)
    case noHealthyControllers(String)
    case nonexistentNamespace(volumeID: String, namespace: String)
    case identityChanged(String)
    /// A re-registration that may not change what it changes (Nomad's `Merge`).
    case cannotUpdate(String)
    case volumeNotFound(String)
    case volumeInUse(String)
    case allocationClaimFailed(allocationID: String, volumeID: String, reason: String)
    case unschedulable
    case maxClaimsReached
    case attachmentModeChange
    case nodeNotFound(String)
    case noHealthyNodePlugin(nodeID: String, pluginID: String)
    case nodeMaxVolumes(nodeID: String, pluginID: String)
    case topologyMismatch(nodeID: String)
    case tooManyClaims(volumeID: String, limit: Int)

    public var description: String {
        switch self {
        case .validation(let problems): "validation: " + problems.joined(separator: ", ")
        case .noSuchPlugin(let id): "no CSI plugin named: \(id) could be found"
        case .noHealthyControllers(let id): "no healthy controllers for CSI plugin: \(id)"
        case .nonexistentNamespace(let volumeID, let namespace): "volume \(volumeID) is in nonexistent namespace \(namespace)"
        case .identityChanged(let id): "volume identity cannot be updated: \(id)"
        case .cannotUpdate(let reason): "unable to update volume: \(reason)"
        case .volumeNotFound(let id): "volume not found: \(id)"
        case .volumeInUse(let id): "volume in use: \(id)"
        case .allocationClaimFailed(let allocationID, let volumeID, let reason):
            "alloc \"\(allocationID)\" failed to claim volume \"\(volumeID)\": \(reason)"
        case .unschedulable: "volume is currently unschedulable"
        case .maxClaimsReached: "volume max claims reached"
        case .attachmentModeChange: "cannot change attachment mode of claimed volume"
        case .nodeNotFound(let id): "node not found: \(id)"
        case .noHealthyNodePlugin(let nodeID, let pluginID): "node \(nodeID) has no healthy node plugin \(pluginID)"
        case .nodeMaxVolumes(let nodeID, let pluginID): "node \(nodeID) has reached its maximum volumes for plugin \(pluginID)"
        case .topologyMismatch(let nodeID): "node \(nodeID) is outside the volume's topologies"
        case .tooManyClaims(let volumeID, let limit): "volume \(volumeID) already holds \(limit) claims, the most Caravan keeps on one volume"
        }
    }
}
