import CaravanModel
import CaravanTestSupport
import HashTreeCollections
import Testing

@testable import CaravanState

/// Volumes in the state machine: Nomad's registration, claim, release and deregistration rules
/// (reference §4.4–4.8 and the volume scenarios of §10), applied from log entries.
struct VolumeStateTests {
    static let multiWriter = CSIVolumeCapability(accessMode: CSIAccessMode.multiNodeSingleWriter, attachmentMode: CSIAttachmentMode.fileSystem)
    static let multiReader = CSIVolumeCapability(accessMode: CSIAccessMode.multiNodeReader, attachmentMode: CSIAttachmentMode.fileSystem)

    /// Nodes n1 and n2 run a healthy node plugin `foo` (no controller required).
    static func scriptWithPlugin() -> Script {
        var script = Script()
        script.register(Fixture.node("n1", nodes: [Fixture.nodePlugin("foo")]))
        script.register(Fixture.node("n2", nodes: [Fixture.nodePlugin("foo")]))
        return script
    }

    static func volume(_ id: String, plugin: String = "foo", namespace: String = "default", capabilities: [CSIVolumeCapability] = [multiWriter])
        -> CSIVolume
    {
        CSIVolume(id: id, namespace: namespace, pluginID: plugin, requestedCapabilities: capabilities)
    }

    static func claim(_ alloc: String, _ mode: CSIVolumeClaimMode, node: String = "n1", state: CSIVolumeClaimState = .taken, access: String? = nil)
        -> CSIVolumeClaim
    {
        let accessMode = access ?? (mode == .write ? CSIAccessMode.multiNodeSingleWriter : CSIAccessMode.multiNodeReader)
        return CSIVolumeClaim(
            allocationID: alloc, nodeID: node, mode: mode, accessMode: accessMode, attachmentMode: CSIAttachmentMode.fileSystem, state: state)
    }

    static func failure(_ entry: AppliedEntry) -> String? {
        if case .failure(let error) = entry.result { return error.description }
        return nil
    }

    @discardableResult
    static func register(_ volumes: CSIVolume..., in script: inout Script) -> AppliedEntry {
        script.apply(.volumeRegister(VolumeRegistration(volumes: volumes, time: Fixture.time)))
    }

    @discardableResult
    static func claim(_ claim: CSIVolumeClaim, volume: String = "vol", namespace: String = "default", in script: inout Script) -> AppliedEntry {
        script.apply(.volumeClaim(VolumeClaimUpdate(namespace: namespace, volumeID: volume, claim: claim, time: Fixture.time + 1)))
    }

    @Test("scenario 13: a volume needs a known plugin, and a healthy controller when its plugin requires one; it takes the plugin's provider")
    func registrationNeedsPlugin() {
        var script = Script()
        #expect(Self.failure(Self.register(Self.volume("vol", plugin: "nope"), in: &script)) == "no CSI plugin named: nope could be found")
        script.register(Fixture.node("c0", controllers: [Fixture.controller("ctl")], nodes: [Fixture.nodePlugin("ctl")]))
        script.register(Fixture.node("c0", controllers: [Fixture.controller("ctl", healthy: false)], nodes: [Fixture.nodePlugin("ctl")]))
        #expect(Self.failure(Self.register(Self.volume("vol", plugin: "ctl"), in: &script)) == "no healthy controllers for CSI plugin: ctl")
        script.register(Fixture.node("c1", controllers: [Fixture.controller("ctl")]))
        let entry = Self.register(Self.volume("vol", plugin: "ctl"), in: &script)
        #expect(Self.failure(entry) == nil)
        let stored = script.state.volume(namespace: "default", id: "vol")
        #expect(stored?.provider == "com.example.ctl" && stored?.providerVersion == "1.0.0")
        #expect(stored?.createIndex == entry.index && stored?.modifyIndex == entry.index && stored?.createTime == Fixture.time)
        #expect(script.state.tableIndex(.volumes) == entry.index)
    }

    @Test("scenario 25: Validate reports every problem in Nomad's words, in Nomad's order")
    func validation() {
        var volume = CSIVolume(id: "vol", pluginID: "foo", cloneID: "c", snapshotID: "s")
        volume.requestedTopologies = CSITopologyRequest(required: [CSITopology(segments: [:]), CSITopology(segments: [:])])
        #expect(
            volume.validationProblems == [
                "missing namespace", "only one of snapshot_id and clone_id is allowed", "must include at least one capability block",
                "required topology is missing segments field", "required topology is missing segments field",
            ])
        var script = Self.scriptWithPlugin()
        volume.namespace = "default"
        #expect(Self.failure(Self.register(volume, in: &script))?.hasPrefix("validation: only one of snapshot_id and clone_id is allowed, ") == true)
        #expect(script.state.volumeCount == 0)
    }

    @Test("a volume's namespace must exist, and a namespace holding a volume cannot be deleted (scenario 27)")
    func namespaces() {
        var script = Self.scriptWithPlugin()
        #expect(Self.failure(Self.register(Self.volume("vol", namespace: "prod"), in: &script)) == "volume vol is in nonexistent namespace prod")
        script.createNamespaces("prod")
        #expect(Self.failure(Self.register(Self.volume("vol", namespace: "prod"), in: &script)) == nil)
        let before = script.state.tableIndex(.namespaces)
        let refused = script.apply(.namespaceDelete(["prod"]))
        #expect(Self.failure(refused)?.contains("contains at least one CSI volume") == true)
        #expect(script.state.namespace(name: "prod") != nil && script.state.tableIndex(.namespaces) == before)
        #expect(refused.changes.isEmpty)
    }

    @Test("scenario 16: re-registering is idempotent and keeps CreateIndex; the plugin may not change")
    func reRegistration() {
        var script = Self.scriptWithPlugin()
        script.register(Fixture.node("n3", nodes: [Fixture.nodePlugin("other")]))
        let first = Self.register(Self.volume("vol"), in: &script)
        let again = Self.register(Self.volume("vol"), in: &script)
        #expect(Self.failure(again) == nil)
        let stored = script.state.volume(namespace: "default", id: "vol")
        #expect(stored?.createIndex == first.index && stored?.modifyIndex == again.index)
        #expect(Self.failure(Self.register(Self.volume("vol", plugin: "other"), in: &script)) == "volume identity cannot be updated: vol")
    }

    @Test("scenario 14: claims per access mode — one writer, readers beside it, the same claim twice changes nothing")
    func claimFlow() {
        var script = Self.scriptWithPlugin()
        #expect(Self.failure(Self.claim(Self.claim("a1", .write), in: &script)) == "volume not found: vol")
        Self.register(Self.volume("vol"), in: &script)
        #expect(script.state.volumeView(namespace: "default", id: "vol")?.schedulable == true)
        #expect(Self.failure(Self.claim(Self.claim("a1", .write), in: &script)) == nil)
        #expect(
            Self.failure(Self.claim(Self.claim("a2", .write), in: &script))
                == "alloc \"a2\" failed to claim volume \"vol\": volume max claims reached")
        #expect(Self.failure(Self.claim(Self.claim("a2", .read, access: CSIAccessMode.multiNodeSingleWriter), in: &script)) == nil)
        var volume = script.state.volume(namespace: "default", id: "vol")
        #expect(volume?.readClaims.count == 1 && volume?.writeClaims.count == 1)
        Self.claim(Self.claim("a2", .read, access: CSIAccessMode.multiNodeSingleWriter), in: &script)
        Self.claim(Self.claim("a3", .read, node: "n2", access: CSIAccessMode.multiNodeSingleWriter), in: &script)
        volume = script.state.volume(namespace: "default", id: "vol")
        #expect(volume?.readClaims.count == 2 && volume?.writeClaims.count == 1)
        #expect(script.state.volumes(namespace: "default", nodeID: "n2").map(\.id) == ["vol"])
    }

    @Test("scenario 15: modes follow the first claim, block the other attachment mode, and reset when the last claim is freed")
    func claimModes() {
        var script = Self.scriptWithPlugin()
        Self.register(Self.volume("vol", capabilities: [Self.multiWriter, Self.multiReader]), in: &script)
        Self.claim(Self.claim("r1", .read), in: &script)
        var volume = script.state.volume(namespace: "default", id: "vol")!
        #expect(volume.accessMode == CSIAccessMode.multiNodeReader)
        #expect(!volume.writeSchedulable(pluginSchedulable: true))
        #expect(Self.failure(Self.claim(Self.claim("w1", .write), in: &script))?.hasSuffix("volume is currently unschedulable") == true)
        Self.claim(Self.claim("r1", .read, state: .readyToFree), in: &script)
        volume = script.state.volume(namespace: "default", id: "vol")!
        #expect(volume.accessMode == "" && volume.attachmentMode == "" && volume.readClaims.isEmpty)
        Self.claim(Self.claim("w1", .write), in: &script)
        var blockDevice = Self.claim("r2", .read, access: CSIAccessMode.multiNodeSingleWriter)
        blockDevice.attachmentMode = CSIAttachmentMode.blockDevice
        #expect(Self.failure(Self.claim(blockDevice, in: &script))?.hasSuffix("cannot change attachment mode of claimed volume") == true)
        Self.claim(Self.claim("r2", .read, access: CSIAccessMode.multiNodeSingleWriter), in: &script)
        Self.claim(Self.claim("w1", .write, node: "n2", state: .unpublishing), in: &script)
        volume = script.state.volume(namespace: "default", id: "vol")!
        #expect(volume.writeClaims.count == 1 && volume.pastClaims.count == 1 && !volume.hasFreeWriteClaims)
        Self.claim(Self.claim("w1", .write, state: .readyToFree), in: &script)
        volume = script.state.volume(namespace: "default", id: "vol")!
        #expect(volume.writeClaims.isEmpty && volume.pastClaims.isEmpty && volume.accessMode == CSIAccessMode.multiNodeSingleWriter)
        #expect(volume.requestedCapabilities == [Self.multiWriter, Self.multiReader])
    }

    @Test("a new claim needs a known node with a healthy node plugin, room under MaxVolumes and a topology the volume reaches")
    func claimingNode() {
        var script = Script()
        var small = Fixture.nodePlugin("foo", zone: "a")
        small.nodeInfo?.maxVolumes = 1
        script.register(Fixture.node("n1", nodes: [small]))
        script.register(Fixture.node("sick", nodes: [Fixture.nodePlugin("foo", healthy: false)]))
        var zoned = Self.volume("v1")
        zoned.requestedTopologies = CSITopologyRequest(required: [CSITopology(segments: ["zone": "b"])])
        Self.register(zoned, Self.volume("v2"), Self.volume("v3"), in: &script)
        #expect(Self.failure(Self.claim(Self.claim("a", .write, node: "ghost"), volume: "v2", in: &script))?.hasSuffix("node not found: ghost") == true)
        #expect(Self.failure(Self.claim(Self.claim("a", .write, node: "sick"), volume: "v2", in: &script))?.hasSuffix("no healthy node plugin foo") == true)
        #expect(Self.failure(Self.claim(Self.claim("a", .write), volume: "v1", in: &script))?.hasSuffix("outside the volume's topologies") == true)
        #expect(Self.failure(Self.claim(Self.claim("a", .write), volume: "v2", in: &script)) == nil)
        #expect(script.state.volume(namespace: "default", id: "v2")?.writeClaims["a"]?.externalNodeID == "ext-foo")
        #expect(Self.failure(Self.claim(Self.claim("b", .read), volume: "v2", in: &script)) == nil, "the same volume again is within MaxVolumes")
        #expect(Self.failure(Self.claim(Self.claim("c", .write), volume: "v3", in: &script))?.hasSuffix("maximum volumes for plugin foo") == true)
    }

    @Test("a volume holds at most CSIVolume.maximumClaims claims; the next new claim is refused, a known one still changes")
    func claimBound() {
        let script = Self.scriptWithPlugin()
        var volume = Self.volume("vol", capabilities: [CSIVolumeCapability(accessMode: CSIAccessMode.multiNodeMultiWriter, attachmentMode: CSIAttachmentMode.fileSystem)])
        for number in 0..<CSIVolume.maximumClaims {
            volume.readClaims["a\(number)"] = CSIVolumeClaim(allocationID: "a\(number)", nodeID: "n1", mode: .read)
        }
        volume.accessMode = CSIAccessMode.multiNodeMultiWriter
        volume.attachmentMode = CSIAttachmentMode.fileSystem
        var state = script.state
        state.volumes[VolumeKey(namespace: "default", id: "vol")] = volume
        #expect(throws: CSIVolumeError.tooManyClaims(volumeID: "vol", limit: CSIVolume.maximumClaims)) {
            try state.checkClaim(Self.claim("new", .read, access: CSIAccessMode.multiNodeMultiWriter), namespace: "default", volumeID: "vol")
        }
        let released = try? state.checkClaim(Self.claim("a1", .read, state: .readyToFree), namespace: "default", volumeID: "vol")
        #expect(released?.readClaims.count == CSIVolume.maximumClaims - 1)
    }

    @Test("detach by node takes a claim from taken to freed: the node's detach is reported, then no controller call is needed")
    func detachThroughFreed() {
        var script = Self.scriptWithPlugin()
        Self.register(Self.volume("vol"), in: &script)
        Self.claim(Self.claim("a1", .write), in: &script)
        Self.claim(Self.claim("a2", .read, node: "n2", access: CSIAccessMode.multiNodeSingleWriter), in: &script)
        let detached = script.apply(.volumeDetach(VolumeDetach(namespace: "default", volumeID: "vol", nodeID: "n1", time: Fixture.time + 2)))
        #expect(Self.failure(detached) == nil)
        var volume = script.state.volume(namespace: "default", id: "vol")!
        #expect(volume.pastClaims["a1"]?.state == .unpublishing, "n1 is up: its own detach is still to come")
        #expect(volume.inUse && volume.writeClaims["a1"] != nil)
        Self.claim(Self.claim("a1", .write, state: .nodeDetached), in: &script)
        volume = script.state.volume(namespace: "default", id: "vol")!
        #expect(volume.writeClaims.isEmpty && volume.pastClaims.isEmpty, "no controller required: freed at once")
        #expect(volume.readClaims["a2"] != nil)
        #expect(Array(script.state.volumes(namespace: "default", nodeID: "n1")).isEmpty)
        #expect(volume.modifyTime == Fixture.time + 1 && volume.modifyIndex == script.state.index)
    }

    @Test("a claim on a node that is down or gone is released without waiting for the node")
    func downNodeRelease() {
        var script = Self.scriptWithPlugin()
        Self.register(Self.volume("vol"), in: &script)
        Self.claim(Self.claim("a1", .write), in: &script)
        script.setStatus("n1", "down")
        script.apply(.volumeDetach(VolumeDetach(namespace: "default", volumeID: "vol", nodeID: "n1", time: Fixture.time)))
        #expect(script.state.volume(namespace: "default", id: "vol")?.inUse == false)
    }

    @Test("a node that goes down or is purged releases its claims: no call to it is needed, and no controller is required here")
    func nodeLostReleasesClaims() {
        var script = Self.scriptWithPlugin()
        Self.register(Self.volume("v1"), Self.volume("v2"), in: &script)
        Self.claim(Self.claim("a1", .write), volume: "v1", in: &script)
        Self.claim(Self.claim("a2", .read, node: "n2", access: CSIAccessMode.multiNodeSingleWriter), volume: "v1", in: &script)
        Self.claim(Self.claim("a3", .write, node: "n2"), volume: "v2", in: &script)
        let down = script.setStatus("n1", "down")
        #expect(down.changes.contains(.volume(VolumeKey(namespace: "default", id: "v1"))))
        #expect(!down.changes.contains(.volume(VolumeKey(namespace: "default", id: "v2"))))
        var v1 = script.state.volume(namespace: "default", id: "v1")!
        #expect(v1.writeClaims.isEmpty && v1.readClaims["a2"] != nil && v1.modifyIndex == down.index)
        script.purgeNode("n2")
        v1 = script.state.volume(namespace: "default", id: "v1")!
        #expect(!v1.inUse && script.state.volume(namespace: "default", id: "v2")?.inUse == false)
        #expect(Array(script.state.volumes(namespace: nil, nodeID: "n2")).isEmpty)
    }

    @Test("with a controller that attaches, a release waits for the controller's detach unless another claim keeps the volume on that node")
    func controllerDetach() {
        var script = Script()
        script.register(Fixture.node("c0", controllers: [Fixture.controller("ctl")]))
        script.register(Fixture.node("n1", nodes: [Fixture.nodePlugin("ctl")]))
        Self.register(Self.volume("vol", plugin: "ctl"), in: &script)
        Self.claim(Self.claim("a1", .write), in: &script)
        Self.claim(Self.claim("a2", .read, access: CSIAccessMode.multiNodeSingleWriter), in: &script)
        Self.claim(Self.claim("a1", .write, state: .nodeDetached), in: &script)
        #expect(script.state.volume(namespace: "default", id: "vol")?.writeClaims["a1"] == nil, "a2 keeps the volume attached to n1")
        Self.claim(Self.claim("a2", .read, state: .nodeDetached), in: &script)
        var volume = script.state.volume(namespace: "default", id: "vol")!
        #expect(volume.pastClaims["a2"]?.state == .nodeDetached, "the last claim on n1 waits for the controller")
        Self.claim(Self.claim("a2", .read, state: .unpublishing), in: &script)
        #expect(script.state.volume(namespace: "default", id: "vol")?.pastClaims["a2"]?.state == .nodeDetached, "a release never goes back")
        Self.claim(Self.claim("a2", .read, state: .controllerDetached), in: &script)
        volume = script.state.volume(namespace: "default", id: "vol")!
        #expect(!volume.inUse && volume.accessMode == "")
    }

    @Test("deregistration: refused while in use, forced drops the claims; the ID must be exact (scenario 16, §4.8)")
    func deregistration() {
        var script = Self.scriptWithPlugin()
        Self.register(Self.volume("volume-1"), in: &script)
        Self.claim(Self.claim("a1", .write), volume: "volume-1", in: &script)
        func deregister(_ id: String, force: Bool) -> AppliedEntry {
            script.apply(.volumeDeregister(VolumeDeregistration(namespace: "default", volumeIDs: [id], force: force, time: Fixture.time)))
        }
        #expect(Self.failure(deregister("volume-1", force: false)) == "volume in use: volume-1")
        #expect(Self.failure(deregister("volume", force: true)) == "volume not found: volume")
        #expect(script.state.volumeCount == 1)
        #expect(Self.failure(deregister("volume-1", force: true)) == nil)
        #expect(script.state.volumeCount == 0 && Array(script.state.volumes(namespace: nil, nodeID: "n1")).isEmpty)
        #expect(Self.failure(Self.claim(Self.claim("a2", .write), volume: "volume-1", in: &script)) == "volume not found: volume-1")
    }

    @Test("namespaces isolate volumes: the same ID in two namespaces is two volumes; claims and deregistrations touch only their own")
    func namespaceIsolation() {
        var script = Self.scriptWithPlugin()
        script.createNamespaces("prod")
        Self.register(Self.volume("vol"), Self.volume("vol", namespace: "prod"), in: &script)
        Self.claim(Self.claim("a1", .write), volume: "vol", namespace: "prod", in: &script)
        #expect(script.state.volume(namespace: "default", id: "vol")?.inUse == false)
        #expect(script.state.volume(namespace: "prod", id: "vol")?.inUse == true)
        script.apply(.volumeDeregister(VolumeDeregistration(namespace: "default", volumeIDs: ["vol"], force: false, time: 0)))
        #expect(script.state.volumes(namespace: nil).map { "\($0.namespace)/\($0.id)" } == ["prod/vol"])
    }

    @Test("a volume whose plugin is gone is still readable, unschedulable (scenario 4h)")
    func pluginGone() {
        var script = Self.scriptWithPlugin()
        Self.register(Self.volume("vol"), in: &script)
        script.purgeNode("n1")
        script.purgeNode("n2")
        let view = script.state.volumeView(namespace: "default", id: "vol")
        #expect(view != nil && view?.schedulable == false && view?.plugin == nil)
    }

    @Test("a state with volumes and claims survives a snapshot round trip; one without volumes keeps format 2's bytes")
    func snapshotRoundTrip() throws {
        var script = Self.scriptWithPlugin()
        #expect(script.state.encoded()[8] == 2)
        script.createNamespaces("prod")
        var volume = Self.volume("vol", namespace: "prod")
        volume.mountOptions = CSIMountOptions(fsType: "ext4", mountFlags: ["ro"])
        volume.secrets = ["key": "secret"]
        volume.requestedTopologies = CSITopologyRequest(required: [], preferred: [CSITopology(segments: ["zone": "a"])])
        Self.register(volume, Self.volume("other"), in: &script)
        #expect(Self.failure(Self.claim(Self.claim("a1", .write, node: "n2"), volume: "vol", namespace: "prod", in: &script)) == nil)
        script.apply(.volumeDetach(VolumeDetach(namespace: "prod", volumeID: "vol", nodeID: "n2", time: 0)))
        let bytes = script.state.encoded()
        #expect(bytes[8] == 3)
        let restored = try StateVersion(decoding: bytes)
        #expect(restored.encoded() == bytes)
        #expect(restored.volume(namespace: "prod", id: "vol") == script.state.volume(namespace: "prod", id: "vol"))
        #expect(restored.volumes(namespace: nil, nodeID: "n2").map(\.id) == ["vol"])
        #expect(restored.tableIndex(.volumes) == script.state.tableIndex(.volumes))
    }
}
