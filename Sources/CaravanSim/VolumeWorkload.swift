import CaravanModel
import CaravanState

/// The CSI volumes simulated users register, claim and release: a small pool of IDs in
/// `default` and in a namespace of their own, all on the `ebs` plugin the simulated client
/// nodes fingerprint, and the writes they send about them.
enum VolumeWorkload {
    /// The namespace besides `default`; volume users create it before registering in it.
    static let namespace = "storage"
    static let pool: [VolumeKey] = ["default", namespace].flatMap { space in (0..<3).map { VolumeKey(namespace: space, id: "vol-\($0)") } }
    static let accessModes = [
        CSIAccessMode.singleNodeReader, CSIAccessMode.singleNodeWriter, CSIAccessMode.multiNodeReader, CSIAccessMode.multiNodeSingleWriter,
        CSIAccessMode.multiNodeMultiWriter,
    ]

    /// The capabilities volume `key` is registered with: most times its own access mode on a
    /// file system, so that re-registrations keep what claims use; now and then one or two
    /// drawn from `random` (a re-registration dropping a capability in use is refused).
    static func capabilities(of key: VolumeKey, _ random: inout SimulationRandom) -> [CSIVolumeCapability] {
        guard random.chance(25) else {
            let mode = accessModes[(pool.firstIndex(of: key) ?? 0) % accessModes.count]
            return [CSIVolumeCapability(accessMode: mode, attachmentMode: CSIAttachmentMode.fileSystem)]
        }
        return (0...random.below(2)).map { _ in
            CSIVolumeCapability(
                accessMode: accessModes[random.below(accessModes.count)],
                attachmentMode: random.chance(80) ? CSIAttachmentMode.fileSystem : CSIAttachmentMode.blockDevice)
        }
    }
}

/// One write a volume user sends.
enum VolumeAction: Sendable, CustomStringConvertible {
    /// Creates ``VolumeWorkload/namespace``.
    case createNamespace
    case register(VolumeKey, [CSIVolumeCapability])
    /// Takes `claim` (state `taken`) for a new allocation.
    case claim(VolumeKey, CSIVolumeClaim)
    /// Reports the next step of a claim's release.
    case release(VolumeKey, CSIVolumeClaim)
    /// Starts the release of every claim from the node.
    case detach(VolumeKey, nodeID: String)
    case deregister(VolumeKey, force: Bool)

    /// The volume it is about, if any.
    var volume: VolumeKey? {
        switch self {
        case .createNamespace: nil
        case .register(let key, _), .claim(let key, _), .release(let key, _), .detach(let key, _), .deregister(let key, _): key
        }
    }

    /// The command that carries it, at `time`.
    func command(time: Int64) -> Command {
        switch self {
        case .createNamespace:
            return .namespaceUpsert([Namespace(name: VolumeWorkload.namespace, description: "volumes")])
        case .register(let key, let capabilities):
            let volume = CSIVolume(
                id: key.id, namespace: key.namespace, name: key.id, externalID: "ext-\(key.namespace)-\(key.id)", pluginID: Workload.plugin,
                requestedCapabilities: capabilities)
            return .volumeRegister(VolumeRegistration(volumes: [volume], time: time))
        case .claim(let key, let claim), .release(let key, let claim):
            return .volumeClaim(VolumeClaimUpdate(namespace: key.namespace, volumeID: key.id, claim: claim, time: time))
        case .detach(let key, let nodeID):
            return .volumeDetach(VolumeDetach(namespace: key.namespace, volumeID: key.id, nodeID: nodeID, time: time))
        case .deregister(let key, let force):
            return .volumeDeregister(VolumeDeregistration(namespace: key.namespace, volumeIDs: [key.id], force: force, time: time))
        }
    }

    var description: String {
        switch self {
        case .createNamespace: "create namespace \(VolumeWorkload.namespace)"
        case .register(let key, let capabilities): "register \(key) \(capabilities.map(\.accessMode))"
        case .claim(let key, let claim): "claim \(key) for \(claim.allocationID) (\(claim.mode), \(claim.accessMode))"
        case .release(let key, let claim): "release \(key) from \(claim.allocationID) (\(claim.state))"
        case .detach(let key, let nodeID): "detach \(key) from \(nodeID)"
        case .deregister(let key, let force): "deregister \(key)\(force ? " (forced)" : "")"
        }
    }
}

extension CSIVolumeClaimState {
    /// The next state a client reports while releasing a claim.
    var nextRelease: CSIVolumeClaimState {
        switch self {
        case .taken: .unpublishing
        case .unpublishing: .nodeDetached
        case .nodeDetached: .controllerDetached
        case .controllerDetached, .readyToFree: .readyToFree
        }
    }
}
