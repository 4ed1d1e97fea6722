import CaravanModel
import HashTreeCollections

// Volume commands. Each checks Nomad's rules against the state it applies to (the same checks the
// proposer ran against its own, possibly older, state) and changes nothing when one fails.
extension Transaction {
    mutating func registerVolumes(_ registration: VolumeRegistration) -> Result<CommandOutcome, StateError> {
        let checked: [CSIVolume]
        do {
            checked = try state.checkRegistration(of: registration.volumes)
        } catch {
            return .failure(.volume(error))
        }
        let stored = checked.map { checked in
            var volume = checked
            if state.volumes[VolumeKey(namespace: volume.namespace, id: volume.id)] == nil {
                volume.createIndex = index
                volume.createTime = registration.time
            }
            volume.modifyIndex = index
            volume.modifyTime = registration.time
            return volume
        }
        for volume in stored { store(volume) }
        return .success(.volumes(stored))
    }

    mutating func deregisterVolumes(_ deregistration: VolumeDeregistration) -> Result<CommandOutcome, StateError> {
        do {
            try state.checkDeregistration(namespace: deregistration.namespace, volumeIDs: deregistration.volumeIDs, force: deregistration.force)
        } catch {
            return .failure(.volume(error))
        }
        for id in deregistration.volumeIDs { remove(VolumeKey(namespace: deregistration.namespace, id: id)) }
        return .success(.none)
    }

    mutating func claimVolume(_ update: VolumeClaimUpdate) -> Result<CommandOutcome, StateError> {
        do {
            var volume = try state.checkClaim(update.claim, namespace: update.namespace, volumeID: update.volumeID)
            volume.modifyIndex = index
            volume.modifyTime = update.time
            store(volume)
            return .success(.volumes([volume]))
        } catch {
            return .failure(.volume(error))
        }
    }

    mutating func detachVolume(_ detach: VolumeDetach) -> Result<CommandOutcome, StateError> {
        do {
            var volume = try state.checkDetach(namespace: detach.namespace, volumeID: detach.volumeID, nodeID: detach.nodeID)
            volume.modifyIndex = index
            volume.modifyTime = detach.time
            store(volume)
            return .success(.volumes([volume]))
        } catch {
            return .failure(.volume(error))
        }
    }

    /// A node went down or away: its allocations are lost (Nomad), so every claim from it starts
    /// its release, which needs no call to the node.
    mutating func releaseClaims(onNode nodeID: String, time: Int64) {
        for key in (state.volumesClaimedOnNode[nodeID] ?? []).sorted() {
            guard let volume = state.volumes[key] else { continue }
            var released = state.releasingClaims(of: volume, onNode: nodeID)
            guard released != volume else { continue }
            released.modifyIndex = index
            released.modifyTime = time
            store(released)
        }
    }

    /// Stores `volume`, keeping the claims-by-node index current.
    private mutating func store(_ volume: CSIVolume) {
        let key = VolumeKey(namespace: volume.namespace, id: volume.id)
        let previous = state.volumes.updateValue(volume, forKey: key)
        if previous == nil { state.volumeSetIndex = index }
        let before = previous?.claimingNodes ?? []
        updateClaimIndex(key, before: before, after: volume.claimingNodes)
        changes.insert(.volume(key))
    }

    private mutating func remove(_ key: VolumeKey) {
        guard let volume = state.volumes.removeValue(forKey: key) else { return }
        state.volumeSetIndex = index
        updateClaimIndex(key, before: volume.claimingNodes, after: [])
        changes.insert(.volume(key))
    }

    private mutating func updateClaimIndex(_ key: VolumeKey, before: Set<String>, after: Set<String>) {
        for node in before.subtracting(after) {
            state.volumesClaimedOnNode[node]?.remove(key)
            if state.volumesClaimedOnNode[node]?.isEmpty == true { state.volumesClaimedOnNode[node] = nil }
        }
        for node in after.subtracting(before) { state.volumesClaimedOnNode[node, default: []].insert(key) }
    }
}
