import CaravanModel
import CaravanTestSupport
import Testing

@testable import CaravanState

/// The log entry encoding: every command kind survives a round trip, and bad bytes are errors.
struct CommandCodecTests {
    static let commands: [Command] = {
        var job = Fixture.pluginJob("ebs-controller", plugin: "ebs", role: "controller", count: 2)
        job.extra = [
            "Meta": .object(["owner": .string("storage"), "tier": .int(3)]),
            "Constraints": .array([.object(["LTarget": .string("${attr.kernel.name}"), "Operand": .string("="), "RTarget": .string("linux")])]),
            "Update": .null,
            "Ratio": .double(0.25),
            "Flag": .bool(true),
        ]
        job.taskGroups[0].volumes = ["data": VolumeRequest(name: "data", type: "csi", source: "vol-1", readOnly: true)]
        let node = Fixture.node(
            "node-1", controllers: [Fixture.controller("ebs")], nodes: [Fixture.nodePlugin("ebs", zone: "us-east-1a")]
        )
        return [
            .noop,
            .jobRegister(JobRegistration(job: job, submitTime: Fixture.time)),
            .jobDeregister(JobDeregistration(namespace: "prod", jobID: "ebs-controller", purge: true, time: -5)),
            .nodeRegister(NodeRegistration(node: node, time: Fixture.time)),
            .nodeStatusUpdate(NodeStatusUpdate(nodeID: "node-1", status: "down", time: Fixture.time)),
            .nodeDeregister(NodeDeregistration(nodeID: "node-1", time: 0)),
            .aclBootstrap(ACLToken(accessorID: "a", secretID: "s", name: "Bootstrap Token", type: "management", global: true, createTime: 1)),
            .aclPolicyUpsert([ACLPolicy(name: "ops", description: "d", rules: "node { policy = \"write\" }"), ACLPolicy(name: "x", rules: "")]),
            .aclPolicyDelete(["ops", "x"]),
            .aclTokenUpsert(
                ACLTokenUpsert(
                    tokens: [ACLToken(accessorID: "b", secretID: "t", type: "client", policies: ["ops"], createTime: 2, expirationTime: 3)],
                    isUpdate: true)),
            .aclTokenDelete(["a", "b"]),
            .namespaceUpsert([Namespace(name: "prod", description: "production", quota: "q", meta: ["team": "storage", "tier": "1"])]),
            .namespaceDelete(["prod"]),
            .volumeRegister(
                VolumeRegistration(
                    volumes: [
                        CSIVolume(
                            id: "vol", namespace: "prod", name: "Vol", externalID: "ext", pluginID: "ebs", provider: "p", providerVersion: "1",
                            requestedCapabilities: [CSIVolumeCapability(accessMode: "single-node-writer", attachmentMode: "file-system")],
                            requestedTopologies: CSITopologyRequest(required: [CSITopology(segments: ["zone": "a"])]),
                            topologies: [CSITopology(segments: ["zone": "a"])], mountOptions: CSIMountOptions(fsType: "xfs", mountFlags: ["ro"]),
                            secrets: ["k": "v"], parameters: ["p": "1"], context: ["c": "2"], capacity: 10, requestedCapacityMin: 1,
                            requestedCapacityMax: 20, cloneID: "c", snapshotID: "",
                            readClaims: ["a": CSIVolumeClaim(allocationID: "a", nodeID: "n", mode: .read)],
                            pastClaims: ["b": CSIVolumeClaim(allocationID: "b", nodeID: "n", mode: .write, state: .unpublishing)],
                            createIndex: 4, modifyIndex: 5, createTime: -1, modifyTime: 2)
                    ], time: Fixture.time)),
            .volumeDeregister(VolumeDeregistration(namespace: "prod", volumeIDs: ["vol", "x"], force: true, time: 3)),
            .volumeClaim(
                VolumeClaimUpdate(
                    namespace: "prod", volumeID: "vol",
                    claim: CSIVolumeClaim(
                        allocationID: "a", nodeID: "n", externalNodeID: "e", mode: .garbageCollection, accessMode: "m", attachmentMode: "t",
                        state: .readyToFree), time: 4)),
            .volumeDetach(VolumeDetach(namespace: "prod", volumeID: "vol", nodeID: "n", time: 5)),
        ]
    }()

    @Test("every command kind decodes to the command that was encoded", arguments: commands)
    func roundTrip(command: Command) throws {
        #expect(try Command(decoding: command.encoded()) == command)
    }

    @Test("a format 1 entry still decodes; its job registration does not require the namespace, and it knows no ACL kinds")
    func formatOne() throws {
        let job = Fixture.pluginJob("web", plugin: "p", role: "node", namespace: "prod")
        var bytes = Command.jobRegister(JobRegistration(job: job, submitTime: Fixture.time)).encoded()
        #expect(bytes[0] == 2)
        bytes[0] = 1
        guard case .jobRegister(let registration) = try Command(decoding: bytes) else {
            Issue.record("not a job registration")
            return
        }
        #expect(!registration.requiresNamespace && registration.job == job)
        var acl = Command.aclPolicyDelete(["x"]).encoded()
        acl[0] = 1
        #expect(throws: BinaryDecodingError.self) { try Command(decoding: acl) }
    }

    @Test("equal commands give equal bytes, however their maps were built")
    func deterministic() {
        // Equal dictionaries built in different orders and capacities iterate in different
        // orders; the encoding must not follow that order.
        let pairs = (0..<64).map { ("attribute.\($0)", "value-\($0)") }
        var forward: [String: String] = [:]
        for (key, value) in pairs { forward[key] = value }
        var backward: [String: String] = [:]
        backward.reserveCapacity(4096)
        for (key, value) in pairs.reversed() { backward[key] = value }
        #expect(forward == backward)
        #expect(Array(forward.keys) != Array(backward.keys), "the two maps iterate in different orders")
        func command(_ attributes: [String: String]) -> Command {
            var node = Fixture.node("n1")
            node.attributes = attributes
            node.extra = ["Meta": .object(attributes.mapValues { .string($0) })]
            return .nodeRegister(NodeRegistration(node: node, time: Fixture.time))
        }
        let sameBytes = command(forward).encoded() == command(backward).encoded()
        #expect(sameBytes, "the encoding followed the maps' iteration order")
    }

    @Test("an unknown format version is a clear error")
    func unknownVersion() {
        var bytes = Command.noop.encoded()
        bytes[0] = 9
        #expect(throws: BinaryDecodingError.unsupportedVersion(9, supported: Command.formatVersion)) {
            try Command(decoding: bytes)
        }
        #expect(String(describing: BinaryDecodingError.unsupportedVersion(9, supported: 1)).contains("unsupported encoding version 9"))
    }

    @Test("an unknown command kind is an error")
    func unknownKind() {
        #expect(throws: BinaryDecodingError.self) { try Command(decoding: [Command.formatVersion, 200]) }
    }

    @Test("an entry is written in the lowest format that has its kind: volume kinds in format 3, which a format 2 entry cannot carry")
    func lowestFormat() {
        for command in Self.commands {
            let bytes = command.encoded()
            if case .volumeRegister = command { #expect(bytes[0] == 3) }
            else if case .volumeDeregister = command { #expect(bytes[0] == 3) }
            else if case .volumeClaim = command { #expect(bytes[0] == 3) }
            else if case .volumeDetach = command { #expect(bytes[0] == 3) }
            else { #expect(bytes[0] == 2, "\(command)") }
        }
        var detach = Command.volumeDetach(VolumeDetach(namespace: "a", volumeID: "b", nodeID: "c", time: 0)).encoded()
        detach[0] = 2
        #expect(throws: BinaryDecodingError.self) { try Command(decoding: detach) }
    }

    @Test("every truncation of every command is an error, never a crash")
    func truncations() {
        for command in Self.commands {
            let bytes = command.encoded()
            for length in 0..<bytes.count {
                #expect(throws: BinaryDecodingError.self) { try Command(decoding: Array(bytes[0..<length])) }
            }
        }
    }

    @Test("trailing bytes are an error")
    func trailingBytes() {
        #expect(throws: BinaryDecodingError.trailingBytes(count: 1)) { try Command(decoding: Command.noop.encoded() + [0]) }
    }

    @Test("corrupted bytes never crash the decoder")
    func corruption() {
        var generator = SplitMix64(seed: 42)
        for command in Self.commands {
            let bytes = command.encoded()
            for _ in 0..<200 {
                var corrupted = bytes
                let position = Int(generator.next() % UInt64(bytes.count))
                corrupted[position] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
                _ = try? Command(decoding: corrupted)
            }
        }
    }

    @Test("an undecodable entry halts the state machine: it and every later entry are refused")
    func undecodableEntry() {
        var machine = StateMachine()
        let applied = machine.apply(index: 1, data: [42, 0])
        guard case .failure(.halted(index: 1, _)) = applied.result else {
            Issue.record("expected a halt at index 1, got \(applied.result)")
            return
        }
        let next = Command.nodeRegister(NodeRegistration(node: Fixture.node("n1"), time: 0))
        #expect(machine.apply(index: 2, data: next.encoded()).result == .failure(machine.halt!))
        #expect(machine.state.index == 0)
        #expect(machine.state.nodeCount == 0)
        #expect(String(describing: machine.halt!).hasPrefix("state machine halted at log index 1: unsupported encoding version 42"))
    }
}
