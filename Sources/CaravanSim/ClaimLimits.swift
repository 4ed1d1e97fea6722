import CaravanModel

/// "A volume never holds more claims than its access mode allows", checked on every replica's
/// state after each entry that changed a volume: single-node-reader-only at most one reader and
/// no writer; single-node-writer at most one reader and at most one writer; multi-node-reader-only
/// no writer; multi-node-single-writer at most one writer. Claims being released still count:
/// the volume is still in use by them.
///
/// Single-node-writer allows a reader and a writer, not one claim in all: Nomad's
/// `HasFreeWriteClaims` (which the state machine follows) lets a writer join a volume one reader
/// holds, though no reader may join a claimed one.
enum ClaimLimits {
    static let check = "a volume never holds more claims than its access mode allows"

    /// What is wrong with `volume`'s claims, or nil if its access mode allows them.
    static func violation(in volume: CSIVolume) -> String? {
        let readers = volume.readClaims.count
        let writers = volume.writeClaims.count
        let allowed: Bool
        switch volume.accessMode {
        case CSIAccessMode.singleNodeReader: allowed = readers <= 1 && writers == 0
        case CSIAccessMode.singleNodeWriter: allowed = readers <= 1 && writers <= 1
        case CSIAccessMode.multiNodeReader: allowed = writers == 0
        case CSIAccessMode.multiNodeSingleWriter: allowed = writers <= 1
        default: allowed = true
        }
        if allowed { return nil }
        return
            "\(check): volume \(volume.namespace)/\(volume.id) in mode \(volume.accessMode) holds \(readers) readers \(volume.readClaims.keys.sorted()) and \(writers) writers \(volume.writeClaims.keys.sorted())"
    }
}
