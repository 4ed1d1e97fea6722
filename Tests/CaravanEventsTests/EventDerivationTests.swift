import CaravanEvents
import CaravanModel
import CaravanState
import CaravanTestSupport
import Foundation
import Testing

/// The events of applied log entries: Nomad's topics, types, keys and payloads, derived from the
/// entry and the states around it.
struct EventDerivationTests {
    /// A state machine that derives each applied entry's events.
    struct Stream {
        var machine = StateMachine()
        var index: UInt64 = 0

        mutating func apply(_ command: Command) -> [Event] {
            index += 1
            let before = machine.state
            let applied = machine.apply(index: index, data: command.encoded())
            return EventDerivation.events(of: command, at: index, before: before, after: machine.state, changes: applied.changes)
        }

        /// The events as a client reads them: each one's JSON object.
        mutating func json(_ command: Command) throws -> [[String: Any]] {
            try apply(command).map { event in
                try #require(try JSONSerialization.jsonObject(with: Data(JSONWriter.encode(event))) as? [String: Any])
            }
        }
    }

    static func summary(_ events: [[String: Any]]) -> [String] {
        events.map { "\($0["Topic"] as? String ?? "?") \($0["Type"] as? String ?? "?") \($0["Key"] as? String ?? "?")" }
    }

    @Test("a node registration: a Node event with the secret blanked, and an event for each plugin it changed, typed by the registration")
    func nodeRegistration() throws {
        var stream = Stream()
        let events = try stream.json(.nodeRegister(NodeRegistration(node: Fixture.node("n1", nodes: [Fixture.nodePlugin("ebs")]), time: Fixture.time)))
        #expect(Self.summary(events) == ["Node NodeRegistration n1", "CSIPlugin NodeRegistration ebs"])
        let node = try #require((events[0]["Payload"] as? [String: Any])?["Node"] as? [String: Any])
        #expect(node["ID"] as? String == "n1" && node["SecretID"] as? String == "")
        #expect(events[0]["Namespace"] as? String == "" && events[0]["FilterKeys"] is NSNull && events[0]["Index"] as? Int == 1)
        #expect(events[1]["FilterKeys"] as? [String] == ["ebs"])
        #expect(((events[1]["Payload"] as? [String: Any])?["Plugin"] as? [String: Any])?["NodesHealthy"] as? Int == 1)
        let status = try stream.json(.nodeStatusUpdate(NodeStatusUpdate(nodeID: "n1", status: "down", time: Fixture.time)))
        #expect(Self.summary(status) == ["Node NodeStreamEvent n1"])
        let purge = try stream.json(.nodeDeregister(NodeDeregistration(nodeID: "n1", time: Fixture.time)))
        #expect(Self.summary(purge) == ["Node NodeDeregistration n1", "CSIPlugin NodeDeregistration ebs"])
        #expect(((purge[1]["Payload"] as? [String: Any])?["Plugin"] as? [String: Any])?["ID"] as? String == "ebs", "a deleted plugin as it was")
    }

    @Test("jobs: JobRegistered with the job in its namespace; a stop and a purge are JobDeregistered, the purge marked Deleted")
    func jobs() throws {
        var stream = Stream()
        _ = stream.apply(.namespaceUpsert([Namespace(name: "prod")]))
        let job = Fixture.pluginJob("web", plugin: "ebs", role: "node", namespace: "prod")
        let registered = try stream.json(.jobRegister(JobRegistration(job: job, submitTime: Fixture.time)))
        #expect(Self.summary(registered) == ["Job JobRegistered web", "CSIPlugin JobRegistered ebs"])
        #expect(registered[0]["Namespace"] as? String == "prod")
        #expect(((registered[0]["Payload"] as? [String: Any])?["Job"] as? [String: Any])?["ID"] as? String == "web")
        #expect((registered[0]["Payload"] as? [String: Any])?["Deleted"] == nil)
        let stopped = try stream.json(.jobDeregister(JobDeregistration(namespace: "prod", jobID: "web", purge: false, time: Fixture.time)))
        #expect(Self.summary(stopped).first == "Job JobDeregistered web")
        #expect(((stopped[0]["Payload"] as? [String: Any])?["Job"] as? [String: Any])?["Stop"] as? Bool == true)
        let purged = try stream.json(.jobDeregister(JobDeregistration(namespace: "prod", jobID: "web", purge: true, time: Fixture.time)))
        #expect(Self.summary(purged).first == "Job JobDeregistered web")
        #expect((purged[0]["Payload"] as? [String: Any])?["Deleted"] as? Bool == true)
    }

    @Test("volumes: registered, claimed, detached and deregistered events keyed by ID, filterable by ID, name and plugin, secrets redacted")
    func volumes() throws {
        var stream = Stream()
        _ = stream.apply(.nodeRegister(NodeRegistration(node: Fixture.node("n1", nodes: [Fixture.nodePlugin("ebs")]), time: Fixture.time)))
        let capability = CSIVolumeCapability(accessMode: CSIAccessMode.singleNodeWriter, attachmentMode: CSIAttachmentMode.fileSystem)
        let volume = CSIVolume(id: "db", namespace: "default", name: "database", pluginID: "ebs", requestedCapabilities: [capability], secrets: ["k": "hunter2"])
        let registered = try stream.json(.volumeRegister(VolumeRegistration(volumes: [volume], time: Fixture.time)))
        #expect(Self.summary(registered) == ["CSIVolume CSIVolumeRegistered db"])
        #expect(registered[0]["FilterKeys"] as? [String] == ["db", "database", "ebs"] && registered[0]["Namespace"] as? String == "default")
        let registeredJSON = try JSONSerialization.data(withJSONObject: registered)
        #expect(!String(decoding: registeredJSON, as: UTF8.self).contains("hunter2"))
        let claim = CSIVolumeClaim(allocationID: "a1", nodeID: "n1", mode: .write, accessMode: capability.accessMode, attachmentMode: capability.attachmentMode)
        let claimed = try stream.json(.volumeClaim(VolumeClaimUpdate(namespace: "default", volumeID: "db", claim: claim, time: Fixture.time)))
        #expect(Self.summary(claimed) == ["CSIVolume CSIVolumeClaim db"])
        let payload = try #require((claimed[0]["Payload"] as? [String: Any])?["Volume"] as? [String: Any])
        #expect((payload["WriteAllocs"] as? [String: Any])?.keys.sorted() == ["a1"] && payload["Secrets"] is NSNull)
        let lost = try stream.json(.nodeStatusUpdate(NodeStatusUpdate(nodeID: "n1", status: "down", time: Fixture.time)))
        #expect(Self.summary(lost).contains("CSIVolume CSIVolumeClaim db"), "a node going down releases its claims: a claim event")
        let deregistered = try stream.json(.volumeDeregister(VolumeDeregistration(namespace: "default", volumeIDs: ["db"], force: false, time: 0)))
        #expect(Self.summary(deregistered) == ["CSIVolume CSIVolumeDeregistered db"])
        #expect(((deregistered[0]["Payload"] as? [String: Any])?["Volume"] as? [String: Any])?["ID"] as? String == "db", "the volume as it was")
    }

    @Test("ACL tokens and policies: upserted and deleted events; a token's secret is never in one")
    func acl() throws {
        var stream = Stream()
        let management = ACLToken(accessorID: "boot", secretID: "very-secret", type: ACLToken.management, createTime: 1)
        let bootstrap = try stream.json(.aclBootstrap(management))
        #expect(Self.summary(bootstrap) == ["ACLToken ACLTokenUpserted boot"])
        #expect(((bootstrap[0]["Payload"] as? [String: Any])?["ACLToken"] as? [String: Any])?["SecretID"] as? String == "")
        let policies = try stream.json(.aclPolicyUpsert([ACLPolicy(name: "ops", rules: "node { policy = \"read\" }"), ACLPolicy(name: "dev", rules: "")]))
        #expect(Self.summary(policies) == ["ACLPolicy ACLPolicyUpserted dev", "ACLPolicy ACLPolicyUpserted ops"])
        let client = ACLToken(accessorID: "c1", secretID: "s1", type: "client", policies: ["ops"], createTime: 2)
        #expect(Self.summary(try stream.json(.aclTokenUpsert(ACLTokenUpsert(tokens: [client], isUpdate: false)))) == ["ACLToken ACLTokenUpserted c1"])
        #expect(Self.summary(try stream.json(.aclTokenDelete(["c1", "nobody"]))) == ["ACLToken ACLTokenDeleted c1"])
        #expect(Self.summary(try stream.json(.aclPolicyDelete(["ops", "ops", "none"]))) == ["ACLPolicy ACLPolicyDeleted ops"])
        var all = Stream()
        for command in [Command.aclBootstrap(management), .aclTokenUpsert(ACLTokenUpsert(tokens: [client], isUpdate: false))] {
            #expect(!String(decoding: JSONWriter.encode(all.apply(command)), as: UTF8.self).contains("very-secret"))
        }
    }

    @Test("namespace writes, no-ops and refused entries make no events")
    func noEvents() {
        var stream = Stream()
        #expect(stream.apply(.noop).isEmpty)
        #expect(stream.apply(.namespaceUpsert([Namespace(name: "prod")])).isEmpty)
        #expect(stream.apply(.nodeStatusUpdate(NodeStatusUpdate(nodeID: "ghost", status: "down", time: 0))).isEmpty, "refused: no such node")
        #expect(stream.apply(.jobDeregister(JobDeregistration(namespace: "default", jobID: "ghost", purge: true, time: 0))).isEmpty)
    }

    @Test("the same log gives the same events, byte for byte, on every replica and every replay", arguments: [3, 17] as [UInt64])
    func deterministic(seed: UInt64) {
        func events() -> [[UInt8]] {
            var stream = Stream()
            return Fixture.randomCommands(count: 400, seed: seed).map { JSONWriter.encode(stream.apply($0)) }
        }
        let first = events()
        #expect(first.contains { $0.count > 2 }, "the script made events")
        #expect(events() == first)
    }
}
