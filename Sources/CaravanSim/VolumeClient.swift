import CaravanModel
import CaravanState

/// A simulated user of CSI volumes on one client node, through whichever server leads: it
/// registers and deregisters volumes, claims them for allocations on its node, reports each
/// claim's release step by step, and detaches its node from a volume.
struct VolumeClient {
    /// The client node its allocations run on.
    let nodeID: String
    var server: Int
    var idleUntil: UInt64 = 0
    var pending: Pending?
    /// The claims it was told it holds, or may hold (a claim whose answer never came), by
    /// allocation ID.
    var claims: [String: (volume: VolumeKey, claim: CSIVolumeClaim)] = [:]
    /// Allocations it has made up so far; each claim is for a new one.
    var allocations = 0

    /// A volume write proposed on a leader, awaiting its answer.
    struct Pending {
        let action: VolumeAction
        let server: Int
        let token: UInt64
        let deadline: UInt64
    }

    /// Forgets the claims on `key` that `volume` (the volume as an entry left it; nil: gone) no
    /// longer holds, and takes the release step it shows for the others.
    mutating func update(_ key: VolumeKey, from volume: CSIVolume?) {
        for (allocationID, held) in claims where held.volume == key {
            guard let current = volume?.allClaims[allocationID] else {
                claims[allocationID] = nil
                continue
            }
            if current.state > held.claim.state { claims[allocationID]?.claim.state = current.state }
        }
    }
}
