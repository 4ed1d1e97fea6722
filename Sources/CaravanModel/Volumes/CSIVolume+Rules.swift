// Nomad's rules for a volume: what a registration must hold, what a re-registration may change,
// and who may claim it. Pure functions of the volume and its plugin, so the server checks them
// before proposing and the state machine checks them again when it applies the entry.
extension CSIVolume {
    /// Nomad's `Validate()`: every problem found, or none.
    public var validationProblems: [String] {
        var problems: [String] = []
        if id.isEmpty { problems.append("missing volume id") }
        if pluginID.isEmpty { problems.append("missing plugin id") }
        if namespace.isEmpty { problems.append("missing namespace") }
        if !snapshotID.isEmpty && !cloneID.isEmpty { problems.append("only one of snapshot_id and clone_id is allowed") }
        if requestedCapabilities.isEmpty { problems.append("must include at least one capability block") }
        for capability in requestedCapabilities {
            if !CSIAccessMode.all.contains(capability.accessMode) { problems.append("invalid access mode: \"\(capability.accessMode)\"") }
            if !CSIAttachmentMode.all.contains(capability.attachmentMode) {
                problems.append("invalid attachment mode: \"\(capability.attachmentMode)\"")
            }
        }
        for topology in requestedTopologies?.required ?? [] where topology.segments.isEmpty {
            problems.append("required topology is missing segments field")
        }
        for topology in requestedTopologies?.preferred ?? [] where topology.segments.isEmpty {
            problems.append("preferred topology is missing segments field")
        }
        if requestedCapacityMin < 0 || requestedCapacityMax < 0 { problems.append("capacity cannot be negative") }
        if requestedCapacityMax > 0 && requestedCapacityMax < requestedCapacityMin {
            problems.append("capacity_max cannot be less than capacity_min")
        }
        return problems
    }

    /// This (stored) volume updated by a re-registration of it (Nomad's `Merge`): identity and
    /// creation inputs may not change, and what its claims use may not change while claimed.
    public func merging(_ submitted: CSIVolume) throws(CSIVolumeError) -> CSIVolume {
        guard submitted.externalID.isEmpty || submitted.externalID == externalID,
            submitted.pluginID == pluginID
        else { throw .identityChanged(id) }
        if !submitted.name.isEmpty && submitted.name != name { throw .cannotUpdate("volume name cannot be updated") }
        if !submitted.cloneID.isEmpty && submitted.cloneID != cloneID { throw .cannotUpdate("volume clone ID cannot be updated") }
        if !submitted.snapshotID.isEmpty && submitted.snapshotID != snapshotID {
            throw .cannotUpdate("volume snapshot ID cannot be updated")
        }
        var merged = self
        if !accessMode.isEmpty || !attachmentMode.isEmpty {
            let inUse = CSIVolumeCapability(accessMode: accessMode, attachmentMode: attachmentMode)
            guard submitted.requestedCapabilities.contains(inUse) else {
                throw .cannotUpdate("volume requested capabilities update was not compatible with existing capability in use")
            }
        }
        merged.requestedCapabilities = submitted.requestedCapabilities
        if !topologies.isEmpty, let requested = submitted.requestedTopologies, requested != (requestedTopologies ?? CSITopologyRequest()) {
            throw .cannotUpdate("volume topology request update was not compatible with existing topology")
        }
        if let options = submitted.mountOptions {
            if inUse, !(mountOptions.map { $0.isEquivalent(to: options) } ?? false) {
                throw .cannotUpdate("volume mount options cannot be updated while in use")
            }
            merged.mountOptions = options
        }
        merged.secrets = submitted.secrets
        if !submitted.parameters.isEmpty && submitted.parameters != parameters {
            throw .cannotUpdate("volume parameters cannot be updated")
        }
        if !submitted.context.isEmpty { merged.context = submitted.context }
        if submitted.requestedCapacityMin != 0 || submitted.requestedCapacityMax != 0 {
            if submitted.requestedCapacityMax != 0 && submitted.requestedCapacityMax < capacity {
                throw .cannotUpdate("capacity_max (\(submitted.requestedCapacityMax)) less than current real capacity (\(capacity))")
            }
            merged.requestedCapacityMin = submitted.requestedCapacityMin
            merged.requestedCapacityMax = submitted.requestedCapacityMax
        }
        return merged
    }

    // MARK: Claims

    /// Nomad's `WriteSchedulable`: readable, and the current mode writes (or, unclaimed, some
    /// requested capability does).
    public func writeSchedulable(pluginSchedulable: Bool) -> Bool {
        guard pluginSchedulable else { return false }
        if !accessMode.isEmpty { return CSIAccessMode.isWriter(accessMode) }
        return requestedCapabilities.contains { CSIAccessMode.isWriter($0.accessMode) }
    }

    /// Whether one more allocation may read, given the current access mode.
    public var hasFreeReadClaims: Bool {
        switch accessMode {
        case CSIAccessMode.singleNodeReader: readClaims.isEmpty
        case CSIAccessMode.singleNodeWriter: readClaims.isEmpty && writeClaims.isEmpty
        default: true
        }
    }

    /// Whether one more allocation may write, given the current access mode.
    public var hasFreeWriteClaims: Bool {
        switch accessMode {
        case CSIAccessMode.singleNodeReader, CSIAccessMode.multiNodeReader: false
        case CSIAccessMode.singleNodeWriter, CSIAccessMode.multiNodeSingleWriter: writeClaims.isEmpty
        default: true
        }
    }

    /// Applies `claim` (Nomad's `Claim`): a taken read or write claim is added, anything else
    /// releases. Claiming again what is already claimed changes nothing.
    public mutating func apply(_ claim: CSIVolumeClaim, pluginSchedulable: Bool) throws(CSIVolumeError) {
        if requestedCapabilities.isEmpty, !accessMode.isEmpty {
            requestedCapabilities = [CSIVolumeCapability(accessMode: accessMode, attachmentMode: attachmentMode)]
        }
        if !claim.attachmentMode.isEmpty, !attachmentMode.isEmpty, claim.attachmentMode != attachmentMode {
            throw .attachmentModeChange
        }
        switch (claim.state, claim.mode) {
        case (.taken, .read): try claimRead(claim, pluginSchedulable: pluginSchedulable)
        case (.taken, .write): try claimWrite(claim, pluginSchedulable: pluginSchedulable)
        default: release(claim)
        }
    }

    private mutating func claimRead(_ claim: CSIVolumeClaim, pluginSchedulable: Bool) throws(CSIVolumeError) {
        if readClaims[claim.allocationID] != nil { return }
        // Nomad's `ReadSchedulable`: the plugin can serve it (``CSIVolumeView/schedulable``).
        guard pluginSchedulable else { throw .unschedulable }
        guard hasFreeReadClaims else { throw .maxClaimsReached }
        readClaims[claim.allocationID] = claim
        writeClaims[claim.allocationID] = nil
        pastClaims[claim.allocationID] = nil
        adoptModes(of: claim)
    }

    private mutating func claimWrite(_ claim: CSIVolumeClaim, pluginSchedulable: Bool) throws(CSIVolumeError) {
        if writeClaims[claim.allocationID] != nil { return }
        guard writeSchedulable(pluginSchedulable: pluginSchedulable) else { throw .unschedulable }
        guard hasFreeWriteClaims else { throw .maxClaimsReached }
        writeClaims[claim.allocationID] = claim
        readClaims[claim.allocationID] = nil
        pastClaims[claim.allocationID] = nil
        adoptModes(of: claim)
    }

    private mutating func adoptModes(of claim: CSIVolumeClaim) {
        if accessMode.isEmpty { accessMode = claim.accessMode }
        if attachmentMode.isEmpty { attachmentMode = claim.attachmentMode }
    }

    /// Nomad's `claimRelease`: a claim ready to free is removed everywhere (and the modes reset
    /// once no claim is left); a claim on its way is recorded as a past claim.
    private mutating func release(_ claim: CSIVolumeClaim) {
        let id = claim.allocationID
        guard readClaims[id] != nil || writeClaims[id] != nil || pastClaims[id] != nil else { return }
        if claim.state == .readyToFree {
            readClaims[claim.allocationID] = nil
            writeClaims[claim.allocationID] = nil
            pastClaims[claim.allocationID] = nil
            if readClaims.isEmpty && writeClaims.isEmpty && pastClaims.isEmpty {
                accessMode = CSIAccessMode.unknown
                attachmentMode = CSIAttachmentMode.unknown
            }
        } else if let past = pastClaims[id], past.state > claim.state {
            return
        } else {
            pastClaims[id] = claim
        }
    }
}
