/// One allocation's claim on a volume: who holds it (an allocation on a node), how (read or
/// write, with which modes), and how far its release has come.
///
/// Caravan has no scheduler: the allocation ID is the claiming client's word, an opaque ID.
public struct CSIVolumeClaim: Sendable, Hashable {
    public var allocationID: String
    /// The Nomad node the allocation runs on.
    public var nodeID: String
    /// The storage provider's ID for that node.
    public var externalNodeID: String
    public var mode: CSIVolumeClaimMode
    public var accessMode: String
    public var attachmentMode: String
    public var state: CSIVolumeClaimState

    public init(
        allocationID: String, nodeID: String, externalNodeID: String = "", mode: CSIVolumeClaimMode, accessMode: String = "",
        attachmentMode: String = "", state: CSIVolumeClaimState = .taken
    ) {
        self.allocationID = allocationID
        self.nodeID = nodeID
        self.externalNodeID = externalNodeID
        self.mode = mode
        self.accessMode = accessMode
        self.attachmentMode = attachmentMode
        self.state = state
    }
}

/// What a claim is for: reading, writing, or (a synthetic claim with no allocation) collecting
/// the volume's finished claims. Nomad's `CSIVolumeClaimMode`, 0 to 2.
public enum CSIVolumeClaimMode: Int, Sendable, Hashable, CaseIterable {
    case read = 0
    case write = 1
    case garbageCollection = 2
}

/// How far a claim's release has come. Nomad's `CSIVolumeClaimState`, 0 to 4: a claim is taken,
/// then unpublishing, detached from its node, detached from the controller, and ready to free.
public enum CSIVolumeClaimState: Int, Sendable, Hashable, CaseIterable, Comparable {
    case taken = 0
    case nodeDetached = 1
    case controllerDetached = 2
    case readyToFree = 3
    case unpublishing = 4

    public static func < (a: CSIVolumeClaimState, b: CSIVolumeClaimState) -> Bool { a.progress < b.progress }

    /// The order states are passed through on the way to being freed.
    private var progress: Int {
        switch self {
        case .taken: 0
        case .unpublishing: 1
        case .nodeDetached: 2
        case .controllerDetached: 3
        case .readyToFree: 4
        }
    }
}
