import CaravanModel
import CaravanState
import Testing

@testable import CaravanSim

/// The volume checkers on hand-built volumes and histories: what each lets pass, and that each
/// can fail.
struct VolumeCheckerTests {
    static let key = VolumeKey(namespace: "default", id: "vol-0")

    static func claim(_ allocationID: String, _ mode: CSIVolumeClaimMode, node: String = "node-0", state: CSIVolumeClaimState = .taken)
        -> CSIVolumeClaim
    {
        CSIVolumeClaim(allocationID: allocationID, nodeID: node, mode: mode, accessMode: "", attachmentMode: CSIAttachmentMode.fileSystem, state: state)
    }

    /// Volume `vol-0` created at `createIndex`, in `accessMode`, with these claims.
    static func volume(
        _ accessMode: String = CSIAccessMode.multiNodeMultiWriter, readers: [String] = [], writers: [String] = [], releasing: [String] = [],
        createIndex: UInt64 = 1
    ) -> CSIVolume {
        var volume = CSIVolume(
            id: key.id, namespace: key.namespace, pluginID: "ebs",
            requestedCapabilities: [CSIVolumeCapability(accessMode: accessMode, attachmentMode: CSIAttachmentMode.fileSystem)],
            accessMode: readers.isEmpty && writers.isEmpty ? "" : accessMode, createIndex: createIndex, modifyIndex: createIndex)
        for id in readers { volume.readClaims[id] = claim(id, .read) }
        for id in writers { volume.writeClaims[id] = claim(id, .write) }
        for id in releasing { volume.pastClaims[id] = claim(id, .read, state: .unpublishing) }
        return volume
    }

    // MARK: A volume never holds more claims than its access mode allows

    @Test(
        "each access mode's limits pass at the limit",
        arguments: [
            volume(CSIAccessMode.singleNodeReader, readers: ["a"]),
            volume(CSIAccessMode.singleNodeWriter, writers: ["a"]),
            volume(CSIAccessMode.multiNodeReader, readers: ["a", "b", "c"]),
            volume(CSIAccessMode.multiNodeSingleWriter, readers: ["a", "b"], writers: ["c"]),
            volume(CSIAccessMode.multiNodeMultiWriter, writers: ["a", "b", "c"]),
        ])
    func claimLimitsAtTheLimit(_ volume: CSIVolume) {
        #expect(ClaimLimits.violation(in: volume) == nil)
    }

    @Test(
        "one claim past an access mode's limits fails the check",
        arguments: [
            volume(CSIAccessMode.singleNodeReader, readers: ["a", "b"]),
            volume(CSIAccessMode.singleNodeReader, writers: ["a"]),
            volume(CSIAccessMode.singleNodeWriter, writers: ["a", "b"]),
            volume(CSIAccessMode.singleNodeWriter, readers: ["a", "b"]),
            volume(CSIAccessMode.multiNodeReader, readers: ["a"], writers: ["b"]),
            volume(CSIAccessMode.multiNodeSingleWriter, writers: ["a", "b"]),
        ])
    func claimLimitsPastTheLimit(_ volume: CSIVolume) {
        #expect(ClaimLimits.violation(in: volume)?.hasPrefix(ClaimLimits.check) == true)
    }

    @Test("a single-node-writer volume one reader holds takes a writer, as Nomad's HasFreeWriteClaims allows, and the check lets it")
    func singleNodeWriterTakesAWriterBesideAReader() throws {
        var volume = Self.volume(CSIAccessMode.singleNodeWriter)
        var reader = Self.claim("reader", .read)
        reader.accessMode = CSIAccessMode.singleNodeWriter
        var writer = Self.claim("writer", .write)
        writer.accessMode = CSIAccessMode.singleNodeWriter
        try volume.apply(reader, pluginSchedulable: true)
        try volume.apply(writer, pluginSchedulable: true)
        #expect(volume.readClaims.count == 1 && volume.writeClaims.count == 1)
        #expect(ClaimLimits.violation(in: volume) == nil)
        #expect(throws: CSIVolumeError.maxClaimsReached) { try volume.apply(Self.claim("second reader", .read), pluginSchedulable: true) }
    }

    // MARK: No claim outlives its volume's deregistration

    @Test("a volume registered again after its deregistration starts without the old claims")
    func cleanReregistration() throws {
        var checker = DeregisteredClaims()
        try checker.committed(Self.key, Self.volume(), at: 1)
        try checker.committed(Self.key, Self.volume(readers: ["a"], writers: ["b"]), at: 2)
        try checker.committed(Self.key, nil, at: 3)
        try checker.committed(Self.key, Self.volume(createIndex: 4), at: 4)
        try checker.committed(Self.key, Self.volume(readers: ["c"], createIndex: 4), at: 5)
        #expect(checker.checks == 5)
    }

    @Test("a claim of a deregistered volume that shows up again fails the check")
    func claimSurvivesDeregistration() throws {
        var checker = DeregisteredClaims()
        try checker.committed(Self.key, Self.volume(writers: ["a"]), at: 2)
        try checker.committed(Self.key, nil, at: 3)
        try checker.committed(Self.key, Self.volume(createIndex: 4), at: 4)
        #expect(throws: SimulationFailure.self) { try checker.committed(Self.key, Self.volume(releasing: ["a"], createIndex: 4), at: 5) }
    }

    @Test("a volume that holds claims in the entry that registered it fails the check")
    func registeredWithClaims() throws {
        var checker = DeregisteredClaims()
        #expect(throws: SimulationFailure.self) { try checker.committed(Self.key, Self.volume(readers: ["a"], createIndex: 7), at: 7) }
    }

    // MARK: Every claim a client was told it holds is in the committed state

    @Test("a claim acknowledged is owed until its client releases it, detaches its node, or the volume goes")
    func owedUntilReleased() throws {
        var checker = AcknowledgedClaims()
        try checker.acknowledged(Self.claim("a", .read), on: Self.key, at: 2, volume: Self.volume(readers: ["a"]))
        try checker.acknowledged(Self.claim("b", .write, node: "node-1"), on: Self.key, at: 3, volume: Self.volume(readers: ["a"], writers: ["b"]))
        try checker.committed(Self.key, Self.volume(readers: ["a", "c"], writers: ["b"]), at: 4)
        checker.releasing("a", on: Self.key)
        try checker.committed(Self.key, Self.volume(readers: ["c"], writers: ["b"]), at: 5)
        checker.detaching("node-1", from: Self.key)
        try checker.committed(Self.key, Self.volume(readers: ["c"]), at: 6)
        try checker.acknowledged(Self.claim("d", .read), on: Self.key, at: 7, volume: Self.volume(readers: ["c", "d"]))
        try checker.committed(Self.key, nil, at: 8)
        try checker.committed(Self.key, Self.volume(createIndex: 9), at: 9)
        #expect(checker.checks == 6)
    }

    @Test("a claim acknowledged that the state at its index does not hold fails the check")
    func acknowledgedButNotHeld() {
        var checker = AcknowledgedClaims()
        #expect(throws: SimulationFailure.self) {
            try checker.acknowledged(Self.claim("a", .write), on: Self.key, at: 2, volume: Self.volume(readers: ["a"]))
        }
        #expect(throws: SimulationFailure.self) { try checker.acknowledged(Self.claim("a", .read), on: Self.key, at: 2, volume: nil) }
    }

    @Test("a claim acknowledged that a later state drops, or starts releasing, unasked fails the check")
    func droppedUnasked() throws {
        var checker = AcknowledgedClaims()
        try checker.acknowledged(Self.claim("a", .read), on: Self.key, at: 2, volume: Self.volume(readers: ["a"]))
        #expect(throws: SimulationFailure.self) { try checker.committed(Self.key, Self.volume(readers: ["a"], releasing: ["a"]), at: 3) }
        #expect(throws: SimulationFailure.self) { try checker.committed(Self.key, Self.volume(), at: 4) }
    }
}
