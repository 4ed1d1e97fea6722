public import CaravanModel
import HashTreeCollections

extension CSIVolume {
    /// The nodes its claims (live or being released) come from.
    var claimingNodes: Set<String> {
        var nodes = Set<String>()
        for claim in readClaims.values { nodes.insert(claim.nodeID) }
        for claim in writeClaims.values { nodes.insert(claim.nodeID) }
        for claim in pastClaims.values { nodes.insert(claim.nodeID) }
        nodes.remove("")
        return nodes
    }
}

extension StateVersion {
    public func volume(namespace: String, id: String) -> CSIVolume? { volumes[VolumeKey(namespace: namespace, id: id)] }

    /// The volume as a read answers it, with its plugin as it is now.
    public func volumeView(namespace: String, id: String) -> CSIVolumeView? {
        volume(namespace: namespace, id: id).map(view)
    }

    public func view(of volume: CSIVolume) -> CSIVolumeView {
        CSIVolumeView(volume: volume, plugin: pluginSummary(id: volume.pluginID))
    }

    public var volumeCount: Int { volumes.count }

    /// Every volume's key, sorted by (namespace, ID).
    public func sortedVolumeKeys() -> [VolumeKey] { volumes.keys.sorted() }

    /// The keys of the volumes with a claim from node `nodeID`, sorted.
    func volumeKeysClaimed(onNode nodeID: String) -> [VolumeKey] { (volumesClaimedOnNode[nodeID] ?? []).sorted() }

    /// The volumes a list selects, in (namespace, ID) order from the first at or past `start`:
    /// in `namespace` (`nil`: every namespace) whose ID starts with `prefix`, of plugin `pluginID`
    /// and claimed from node `nodeID` when those are given. `sortedKeys` is every volume's key,
    /// sorted (``sortedVolumeKeys()``, which a caller may keep while ``volumeSetIndex`` stays);
    /// the namespace, the prefix and `start` are found by binary search, and the sequence is lazy,
    /// so a page reads only the volumes it goes through.
    public func volumes(
        namespace: String?, prefix: String = "", pluginID: String? = nil, nodeID: String? = nil, sortedKeys: [VolumeKey]? = nil,
        from start: VolumeKey? = nil
    ) -> some Sequence<CSIVolume> {
        let keys = nodeID.map(volumeKeysClaimed(onNode:)) ?? sortedKeys ?? sortedVolumeKeys()
        let first = max(start ?? VolumeKey(namespace: "", id: ""), VolumeKey(namespace: namespace ?? "", id: namespace == nil ? "" : prefix))
        return keys.suffix { $0 >= first }.lazy
            .prefix { namespace == nil || $0.namespace == namespace }
            .filter { $0.id.hasPrefix(prefix) }
            .compactMap { volumes[$0] }
            .filter { pluginID == nil || $0.pluginID == pluginID }
    }

    /// The first volume in `namespace`, if any (a namespace holding one cannot be deleted).
    public func firstVolume(inNamespace namespace: String) -> CSIVolume? {
        volumes.values.filter { $0.namespace == namespace }.min { $0.id < $1.id }
    }

    /// How many volumes of plugin `pluginID` node `nodeID` holds a claim on.
    func volumesClaimed(onNode nodeID: String, pluginID: String) -> Int {
        (volumesClaimedOnNode[nodeID] ?? []).count { volumes[$0]?.pluginID == pluginID }
    }

    /// Nomad's checks of a registration against the state, for each volume: the plugin exists
    /// (with a healthy controller if it requires one), the namespace exists, and a
    /// re-registration merges into the stored volume; and no volume is named twice. The volumes
    /// as they would be stored (before their indexes and times), or why not.
    public func checkRegistration(of submitted: [CSIVolume]) throws(CSIVolumeError) -> [CSIVolume] {
        var keys = Set<VolumeKey>()
        var checked: [CSIVolume] = []
        for volume in submitted {
            guard keys.insert(VolumeKey(namespace: volume.namespace, id: volume.id)).inserted else {
                throw .validation(["volume \(volume.id) is listed twice"])
            }
            checked.append(try checkRegistration(volume))
        }
        return checked
    }

    /// Nomad's checks of a deregistration: every volume exists and, unless forced, is not in use.
    public func checkDeregistration(namespace: String, volumeIDs: [String], force: Bool) throws(CSIVolumeError) {
        for id in volumeIDs {
            guard let volume = volume(namespace: namespace, id: id) else { throw .volumeNotFound(id) }
            if volume.inUse && !force { throw .volumeInUse(id) }
        }
    }

    private func checkRegistration(_ submitted: CSIVolume) throws(CSIVolumeError) -> CSIVolume {
        let problems = submitted.validationProblems
        guard problems.isEmpty else { throw .validation(problems) }
        guard let plugin = pluginSummary(id: submitted.pluginID) else { throw .noSuchPlugin(submitted.pluginID) }
        if plugin.controllerRequired && plugin.controllersHealthy < 1 { throw .noHealthyControllers(plugin.id) }
        guard namespaceExists(submitted.namespace) else {
            throw .nonexistentNamespace(volumeID: submitted.id, namespace: submitted.namespace)
        }
        if let existing = volume(namespace: submitted.namespace, id: submitted.id) {
            return try existing.merging(submitted)
        }
        var volume = submitted
        volume.provider = plugin.provider
        volume.providerVersion = plugin.version
        volume.accessMode = ""
        volume.attachmentMode = ""
        volume.readClaims = [:]
        volume.writeClaims = [:]
        volume.pastClaims = [:]
        if volume.topologies.isEmpty { volume.topologies = volume.requestedTopologies?.required ?? [] }
        return volume
    }

    /// Nomad's checks of a claim against the state, and the volume as the claim leaves it: the
    /// volume exists; a new claim comes from a known node with a healthy node plugin for the
    /// volume's plugin, within its `MaxVolumes` and the volume's topologies; the volume's modes
    /// and free claims allow it.
    public func checkClaim(_ claim: CSIVolumeClaim, namespace: String, volumeID: String) throws(CSIVolumeError) -> CSIVolume {
        guard var volume = volume(namespace: namespace, id: volumeID) else { throw .volumeNotFound(volumeID) }
        var claim = claim
        let isNew = claim.state == .taken && claim.mode != .garbageCollection
            && volume.readClaims[claim.allocationID] == nil && volume.writeClaims[claim.allocationID] == nil
        if isNew {
            guard volume.readClaims.count + volume.writeClaims.count + volume.pastClaims.count < CSIVolume.maximumClaims else {
                throw .tooManyClaims(volumeID: volumeID, limit: CSIVolume.maximumClaims)
            }
            guard let node = node(id: claim.nodeID) else { throw .nodeNotFound(claim.nodeID) }
            guard let fingerprint = node.csiNodePlugins[volume.pluginID], fingerprint.healthy else {
                throw .noHealthyNodePlugin(nodeID: claim.nodeID, pluginID: volume.pluginID)
            }
            let maxVolumes = fingerprint.nodeInfo?.maxVolumes ?? 0
            if maxVolumes > 0, volume.claimingNodes.contains(claim.nodeID) == false,
                volumesClaimed(onNode: claim.nodeID, pluginID: volume.pluginID) >= maxVolumes
            {
                throw .nodeMaxVolumes(nodeID: claim.nodeID, pluginID: volume.pluginID)
            }
            if !volume.topologies.isEmpty {
                let reachable = fingerprint.nodeInfo?.accessibleTopology ?? CSITopology(segments: [:])
                guard volume.topologies.contains(where: { reachable.contains($0) }) else { throw .topologyMismatch(nodeID: claim.nodeID) }
            }
            if claim.externalNodeID.isEmpty { claim.externalNodeID = fingerprint.nodeInfo?.id ?? "" }
        }
        if !isNew, claim.state != .taken { claim = releaseWithoutPluginCalls(claim, of: volume) }
        do {
            try volume.apply(claim, pluginSchedulable: view(of: volume).schedulable)
        } catch {
            throw .allocationClaimFailed(allocationID: claim.allocationID, volumeID: volumeID, reason: error.description)
        }
        return volume
    }
}

extension StateVersion {
    /// Nomad's release of a claim, as far as it goes without calling a plugin: off a node that is
    /// down or gone, and past the controller when none is required, the plugin cannot attach and
    /// detach, or another live claim on the same node keeps the volume attached there. Each step
    /// that needs a plugin call waits for the claim seam to report it.
    func releaseWithoutPluginCalls(_ claim: CSIVolumeClaim, of volume: CSIVolume) -> CSIVolumeClaim {
        var claim = claim
        if claim.state == .taken || claim.state == .unpublishing {
            claim.state = .unpublishing
            if claim.nodeID.isEmpty || node(id: claim.nodeID).map({ $0.status == "down" }) ?? true { claim.state = .nodeDetached }
        }
        if claim.state == .nodeDetached {
            let plugin = plugin(id: volume.pluginID)
            let attaches = plugin.flatMap { plugin in
                plugin.controllers.keys.min().flatMap { plugin.controllers[$0]?.controllerInfo?.supportsAttachDetach }
            } ?? false
            let sharedOnNode = volume.liveClaims.contains { id, other in
                id != claim.allocationID && other.nodeID == claim.nodeID && volume.pastClaims[id] == nil
            }
            if plugin?.summary.controllerRequired != true || !attaches || sharedOnNode { claim.state = .controllerDetached }
        }
        if claim.state == .controllerDetached { claim.state = .readyToFree }
        return claim
    }

    /// The volume once every claim from node `nodeID` has started its release (`detach?node=`).
    public func checkDetach(namespace: String, volumeID: String, nodeID: String) throws(CSIVolumeError) -> CSIVolume {
        guard let volume = volume(namespace: namespace, id: volumeID) else { throw .volumeNotFound(volumeID) }
        return releasingClaims(of: volume, onNode: nodeID)
    }

    /// `volume` once every claim from node `nodeID` has started its release and gone as far as
    /// it can without a plugin call.
    func releasingClaims(of volume: CSIVolume, onNode nodeID: String) -> CSIVolume {
        var volume = volume
        let onNode = volume.liveClaims.values.filter { $0.nodeID == nodeID }
        for claim in onNode.sorted(by: { $0.allocationID < $1.allocationID }) {
            var release = volume.pastClaims[claim.allocationID] ?? claim
            if release.state == .taken { release.state = .unpublishing }
            let advanced = releaseWithoutPluginCalls(release, of: volume)
            try? volume.apply(advanced, pluginSchedulable: false)
        }
        return volume
    }
}
