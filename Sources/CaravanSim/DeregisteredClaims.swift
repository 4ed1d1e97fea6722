import CaravanModel
import CaravanState

/// "No claim outlives its volume's deregistration", checked on the committed history: once a
/// deregistration of a volume commits, no later committed state holds any claim the volume had
/// then, and a volume (re-)registered by an entry holds no claim after it. Simulated clients
/// never reuse an allocation ID, so an old allocation's claim can only be one that survived.
struct DeregisteredClaims {
    static let check = "no claim outlives its volume's deregistration"

    /// The allocations with a claim on each volume in the last committed state that held it.
    private var lastClaims: [VolumeKey: Set<String>] = [:]
    /// The allocations whose claims a deregistration of each volume ended.
    private var ended: [VolumeKey: Set<String>] = [:]
    private(set) var checks = 0

    /// Checks volume `key` as committed entry `index` left it (nil: not registered).
    mutating func committed(_ key: VolumeKey, _ volume: CSIVolume?, at index: UInt64) throws {
        checks += 1
        guard let volume else {
            ended[key, default: []].formUnion(lastClaims.removeValue(forKey: key) ?? [])
            return
        }
        let claims = Set(volume.allClaims.keys)
        if volume.createIndex == index, !claims.isEmpty {
            throw SimulationFailure("\(Self.check): volume \(key) registered at \(index) already holds claims of \(claims.sorted())")
        }
        let survivors = claims.intersection(ended[key] ?? [])
        guard survivors.isEmpty else {
            throw SimulationFailure("\(Self.check): volume \(key) at \(index) still holds the claims of \(survivors.sorted()) after its deregistration")
        }
        lastClaims[key] = claims
    }
}
