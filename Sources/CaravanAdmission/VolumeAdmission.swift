import CaravanACL
import CaravanModel
import CaravanState

/// Nomad's checks for the volume commands: the caller's rights in the volume's namespace, then
/// the volume rules against the state (which the state machine applies again).
enum VolumeAdmission {
    static func check(_ command: Command, policyOverride: Bool, acl: ACL, in state: StateVersion) throws(AdmissionError) {
        switch command {
        case .volumeRegister(let registration):
            guard !registration.volumes.isEmpty else { throw .invalid("missing volumes to register") }
            try Admission.require(acl.allowsPluginRead)
            for volume in registration.volumes {
                try IdentifierRules.check([("volume ID", volume.id), ("volume name", volume.name), ("volume plugin ID", volume.pluginID)])
                try requireNamedNamespace(volume.namespace)
                try Admission.require(acl.allows(.csiWriteVolume, inNamespace: volume.namespace))
                if policyOverride { try Admission.require(acl.allows(.sentinelOverride, inNamespace: volume.namespace)) }
            }
            try refused { () throws(CSIVolumeError) in _ = try state.checkRegistration(of: registration.volumes) }
        case .volumeDeregister(let deregistration):
            try requireNamedNamespace(deregistration.namespace)
            try Admission.require(acl.allows(.csiWriteVolume, inNamespace: deregistration.namespace))
            try refused { () throws(CSIVolumeError) in
                try state.checkDeregistration(namespace: deregistration.namespace, volumeIDs: deregistration.volumeIDs, force: deregistration.force)
            }
        case .volumeClaim(let update):
            try requireNamedNamespace(update.namespace)
            try Admission.require(acl.allows(.csiMountVolume, inNamespace: update.namespace) && acl.allowsPluginRead)
            guard !update.claim.allocationID.isEmpty || update.claim.mode == .garbageCollection else { throw .invalid("missing allocation ID") }
            try refused { () throws(CSIVolumeError) in _ = try state.checkClaim(update.claim, namespace: update.namespace, volumeID: update.volumeID) }
        case .volumeDetach(let detach):
            try requireNamedNamespace(detach.namespace)
            try Admission.require(acl.allows(.csiMountVolume, inNamespace: detach.namespace) && acl.allowsPluginRead)
            guard !detach.nodeID.isEmpty else { throw .invalid("detach requires node ID") }
            try refused { () throws(CSIVolumeError) in
                _ = try state.checkDetach(namespace: detach.namespace, volumeID: detach.volumeID, nodeID: detach.nodeID)
            }
        default:
            return
        }
    }

    /// A write names one namespace; `*` would read as "any" to the ACL.
    private static func requireNamedNamespace(_ namespace: String) throws(AdmissionError) {
        guard !namespace.isEmpty, namespace != "*" else { throw .invalid("a volume cannot be written in namespace \"\(namespace)\"") }
    }

    /// Runs a volume rule; its refusal is answered as Nomad's RPC layer answers it: 500 and the reason.
    private static func refused(_ rule: () throws(CSIVolumeError) -> Void) throws(AdmissionError) {
        do {
            try rule()
        } catch {
            throw AdmissionError(.failed, error.description)
        }
    }
}
