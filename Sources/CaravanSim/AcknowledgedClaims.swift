import CaravanModel
import CaravanState

/// "Every claim a client was told it holds is in the committed state": when a claim is
/// acknowledged to a simulated client, the committed state at its entry's index holds it, and
/// every later committed state holds it too, until the client asks to release it (a release
/// report, a detach of its node) or the volume is deregistered.
struct AcknowledgedClaims {
    static let check = "every claim a client was told it holds is in the committed state"

    /// An acknowledged claim still owed: how it claims and from which node, the volume's create
    /// index when it was acknowledged (a re-registered volume is another volume), and the
    /// acknowledged index.
    struct Held: Sendable {
        let mode: CSIVolumeClaimMode
        let nodeID: String
        let volumeCreateIndex: UInt64
        let index: UInt64
    }

    /// Volume → allocation ID → the claim owed.
    private var held: [VolumeKey: [String: Held]] = [:]
    private(set) var checks = 0

    /// A client was told that the entry at `index` gave it `claim` on `key`; `volume` is the
    /// volume in the committed state at that index.
    mutating func acknowledged(_ claim: CSIVolumeClaim, on key: VolumeKey, at index: UInt64, volume: CSIVolume?) throws {
        checks += 1
        guard let volume, Self.holds(volume, claim.allocationID, claim.mode) else {
            throw SimulationFailure("\(Self.check): \(claim.allocationID) was told at \(index) it holds a \(claim.mode) claim on \(key), which the state at \(index) does not hold")
        }
        held[key, default: [:]][claim.allocationID] = Held(mode: claim.mode, nodeID: claim.nodeID, volumeCreateIndex: volume.createIndex, index: index)
    }

    /// The client asked to release its claim: from now on the claim may go.
    mutating func releasing(_ allocationID: String, on key: VolumeKey) {
        held[key]?[allocationID] = nil
    }

    /// A client asked to detach node `nodeID` from the volume: every claim from it may go.
    mutating func detaching(_ nodeID: String, from key: VolumeKey) {
        held[key] = held[key]?.filter { $0.value.nodeID != nodeID }
    }

    /// Checks the claims owed on `key` against the volume as committed entry `index` left it. A
    /// volume deregistered (or deregistered and registered again) owes nothing any more.
    mutating func committed(_ key: VolumeKey, _ volume: CSIVolume?, at index: UInt64) throws {
        guard let before = held[key] else { return }
        let owed = before.filter { $0.value.volumeCreateIndex == volume?.createIndex }
        held[key] = owed.isEmpty ? nil : owed
        guard let volume else { return }
        for (allocationID, claim) in owed.sorted(by: { $0.key < $1.key }) where index > claim.index {
            checks += 1
            guard Self.holds(volume, allocationID, claim.mode) else {
                throw SimulationFailure("\(Self.check): \(allocationID) was told at \(claim.index) it holds a \(claim.mode) claim on \(key); the state at \(index) does not hold it, and nobody asked to release it")
            }
        }
    }

    /// Whether `volume` holds a live claim in `mode` for `allocationID` (one being released does
    /// not count).
    static func holds(_ volume: CSIVolume, _ allocationID: String, _ mode: CSIVolumeClaimMode) -> Bool {
        let claims = mode == .write ? volume.writeClaims : volume.readClaims
        return claims[allocationID] != nil && volume.pastClaims[allocationID] == nil
    }
}
