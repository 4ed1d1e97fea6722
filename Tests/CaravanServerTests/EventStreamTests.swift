import CaravanAdmission
import CaravanDurability
import CaravanEvents
import CaravanModel
import CaravanServer
import CaravanState
import CaravanStorage
import CaravanTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `GET /v1/event/stream` over a real connection: Nomad's lines, filters and errors; resuming
/// from an index, across a snapshot and a restart; ACLs per topic; heartbeats.
struct EventStreamTests {
    /// The events of a line, as "Topic Type Key".
    static func summary(_ line: [String: Any]) -> [String] {
        (line["Events"] as? [[String: Any]] ?? []).map { "\($0["Topic"] as? String ?? "?") \($0["Type"] as? String ?? "?") \($0["Key"] as? String ?? "?")" }
    }

    /// Reads lines until one with events; heartbeats are skipped.
    static func nextEventLine(_ lines: EventStreamClient.Lines) async throws -> String {
        while let line = try await lines.next() {
            if line != "{}" { return line }
        }
        throw EventStreamClient.Failure(description: "the stream ended")
    }

    static func nextEvents(_ lines: EventStreamClient.Lines) async throws -> [String: Any] {
        try parse(try await nextEventLine(lines))
    }

    static func parse(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
    }

    static func port(_ client: any TestClientProtocol) throws -> Int { try #require(client.port) }

    @Test("a stream opens with {} and sends one line per applied entry, in index order, with Nomad's topics, types and keys")
    func linesPerEntry() async throws {
        let agent = TestAgent()
        try await agent.run(.live) { client in
            try await EventStreamClient.stream(port: try Self.port(client), "/v1/event/stream") { status, lines in
                #expect(status == 200)
                #expect(try await lines.next() == "{}", "the heartbeat comes first, before any event")
                try await client.registerNode(Body.node("n1", status: "ready", nodes: [Body.nodePlugin("ebs")]))
                let registration = try await Self.nextEvents(lines)
                #expect(Self.summary(registration) == ["Node NodeRegistration n1", "CSIPlugin NodeRegistration ebs"])
                #expect(registration["Index"] as? Int == Int(agent.index))
                try await client.registerJob(Body.pluginJob("web", plugin: "ebs", role: "controller"))
                let job = try await Self.nextEvents(lines)
                #expect(Self.summary(job) == ["Job JobRegistered web", "CSIPlugin JobRegistered ebs"])
                #expect((job["Index"] as? Int).map { $0 > registration["Index"] as! Int } == true)
                let event = try #require((job["Events"] as? [[String: Any]])?.first)
                #expect(event["Namespace"] as? String == "default" && event["Index"] as? Int == job["Index"] as? Int)
                #expect(((event["Payload"] as? [String: Any])?["Job"] as? [String: Any])?["ID"] as? String == "web")
                let namespace = try await client.put("/v1/namespace/prod", body: ["Name": "prod"])
                #expect(namespace.status == .ok)
                let volume = try await client.put("/v1/volumes", body: ["Volumes": [VolumeRouteTests.volume("vol", plugin: "ebs", extra: ["Name": "data"])]])
                #expect(volume.status == .ok, "\(volume.text)")
                let registered = try await Self.nextEvents(lines)
                #expect(Self.summary(registered) == ["CSIVolume CSIVolumeRegistered vol"], "a namespace write has no event")
                #expect((registered["Events"] as? [[String: Any]])?.first?["FilterKeys"] as? [String] == ["vol", "data", "ebs"])
            }
        }
    }

    @Test("topic and key filters, FilterKeys and namespaces: each stream sees only what it asked for")
    func filters() async throws {
        let agent = TestAgent()
        try await agent.run(.live) { client in
            let port = try Self.port(client)
            try await client.createNamespaces("prod")
            try await client.registerJob(Body.pluginJob("web", plugin: "ebs", role: "controller"))
            try await client.registerJob(Body.pluginJob("api", plugin: "efs", role: "controller"))
            try await client.registerJob(Body.pluginJob("web", plugin: "ebs", role: "controller", namespace: "prod"))
            let first = "index=1"
            let web = try Self.parse(
                try await EventStreamClient.stream(port: port, "/v1/event/stream?\(first)&topic=Job:web") { _, lines in
                    try await Self.nextEventLine(lines)
                })
            #expect(Self.summary(web) == ["Job JobRegistered web"], "the default namespace only, and only the key asked for")
            let plugin = try Self.parse(
                try await EventStreamClient.stream(port: port, "/v1/event/stream?\(first)&topic=CSIPlugin:efs") { _, lines in
                    try await Self.nextEventLine(lines)
                })
            #expect(Self.summary(plugin) == ["CSIPlugin JobRegistered efs"])
            let prod = try Self.parse(
                try await EventStreamClient.stream(port: port, "/v1/event/stream?\(first)&topic=Job&namespace=prod") { _, lines in
                    try await Self.nextEventLine(lines)
                })
            #expect(Self.summary(prod) == ["Job JobRegistered web"])
            #expect(((prod["Events"] as? [[String: Any]])?.first?["Namespace"] as? String) == "prod")
            let every = try await EventStreamClient.stream(port: port, "/v1/event/stream?\(first)&topic=Job&namespace=*") { _, lines in
                [try await Self.nextEventLine(lines), try await Self.nextEventLine(lines), try await Self.nextEventLine(lines)]
            }.map(Self.parse)
            #expect(every.flatMap(Self.summary) == ["Job JobRegistered web", "Job JobRegistered api", "Job JobRegistered web"])
        }
    }

    @Test("bad requests are refused before the stream starts: a topic with two colons, an index that is not a number, another method")
    func refusals() async throws {
        let agent = TestAgent()
        try await agent.run(.live) { client in
            let topic = try await client.get("/v1/event/stream?topic=Job:a:b")
            #expect(topic.status == .badRequest && topic.text == "Invalid topic query: Invalid key value pair for topic: Job:a:b")
            let index = try await client.get("/v1/event/stream?index=soon")
            #expect(index.status == .badRequest && index.text.hasPrefix("Unable to parse index: "))
            let put = try await client.execute(uri: "/v1/event/stream", method: .put)
            #expect(put.status == .methodNotAllowed && put.text == "Invalid method")
        }
    }

    @Test("a client that reconnects with index=N gets exactly the lines from N on: nothing it had, nothing missing")
    func resumeAfterReconnect() async throws {
        let agent = TestAgent()
        try await agent.run(.live) { client in
            let port = try Self.port(client)
            for number in 1...3 { try await client.registerNode(Body.node("n\(number)")) }
            let seen = try await EventStreamClient.stream(port: port, "/v1/event/stream?topic=Node") { _, lines in
                [try await Self.nextEventLine(lines), try await Self.nextEventLine(lines)]
            }.map(Self.parse)
            let last = try #require(seen.last?["Index"] as? Int)
            for number in 4...5 { try await client.registerNode(Body.node("n\(number)")) }
            let resumed = try await EventStreamClient.stream(port: port, "/v1/event/stream?topic=Node&index=\(last + 1)") { _, lines in
                [try await Self.nextEventLine(lines), try await Self.nextEventLine(lines), try await Self.nextEventLine(lines)]
            }.map(Self.parse)
            #expect((seen + resumed).flatMap(Self.summary) == (1...5).map { "Node NodeRegistration n\($0)" })
            let indexes = (seen + resumed).compactMap { $0["Index"] as? Int }
            #expect(indexes == indexes.sorted() && Set(indexes).count == 5)
        }
    }

    @Test("after a snapshot compacts the log, an older index starts with a line naming the gap, then every event after it; a restart keeps the lines byte for byte")
    func resumeAcrossSnapshotAndRestart() async throws {
        let disk = SimulatedDisk()
        let durability = DurabilityOptions(snapshotInterval: 25, trailingEntries: 5, wal: WALOptions(segmentSize: 8192))
        let node = try ServerNode(directory: DurabilityTests.directory(on: disk), durability: durability)
        for number in 1...60 {
            _ = try await node.submit(.nodeRegister(NodeRegistration(node: Fixture.node("n\(number)"), time: Fixture.time)))
        }
        try await eventually("a snapshot compacts the log and the journal with it") { node.events.coveredFrom > 1 }
        let covered = Int(node.events.coveredFrom)
        let last = Int(node.store.state.index)
        let agent = TestAgent(node: node)
        let (gap, after) = try await agent.run(.live) { client in
            try await EventStreamClient.stream(port: try Self.port(client), "/v1/event/stream?index=2&topic=Node") { _, lines in
                let gap = try await Self.nextEventLine(lines)
                var after: [String] = []
                while after.count < last - covered + 1 { after.append(try #require(try await lines.next())) }
                return (gap, after)
            }
        }
        let gapLine = try Self.parse(gap)
        let announced = try #require((gapLine["Events"] as? [[String: Any]])?.first)
        #expect(announced["Topic"] as? String == "EventStream" && announced["Type"] as? String == "EventsUnavailable")
        #expect(announced["Payload"] as? [String: Int] == ["From": 2, "ResumingAt": covered])
        #expect(gapLine["Index"] as? Int == covered - 1)
        #expect(after.first?.contains("\"Index\":\(covered),") == true && after.last?.contains("\"Index\":\(last),") == true)

        await node.stop()
        disk.crash { _ in .kept }
        let restarted = try ServerNode(directory: DurabilityTests.directory(on: disk), durability: durability)
        let snapshot = Int(restarted.events.coveredFrom) - 1
        #expect(snapshot >= covered - 1 && snapshot < last, "the restarted server starts from its newest snapshot, then applies its log")
        let again = try await TestAgent(node: restarted).run(.live) { client in
            try await EventStreamClient.stream(port: try Self.port(client), "/v1/event/stream?index=\(snapshot + 1)&topic=Node") { _, lines in
                var resumed: [String] = []
                while resumed.count < last - snapshot { resumed.append(try await Self.nextEventLine(lines)) }
                return resumed
            }
        }
        #expect(again == Array(after.suffix(last - snapshot)), "the same entries give the same lines after a restart")
    }

    @Test("ACLs per topic: a token opens only the topics it may read, and its stream ends with an error line when the token is deleted")
    func endsWhenTokenDeleted() async throws {
        let agent = TestAgent(aclEnabled: true)
        try await agent.run(.live) { client in
            let fixture = try await ACLFixture.make(client)
            let port = try Self.port(client)
            let start = "/v1/event/stream?index=\(agent.index + 1)"
            let denied = try await EventStreamClient.stream(port: port, "\(start)&topic=Job", token: fixture.clientSecret) { status, _ in status }
            #expect(denied == 403, "the fixture's token reads nodes, not jobs")
            try await EventStreamClient.stream(port: port, "\(start)&topic=Node", token: fixture.clientSecret) { status, lines in
                #expect(status == 200)
                let node = try await client.send(.put, "/v1/node/register", token: fixture.management, body: try Self.json(["Node": Body.node("n9")]))
                #expect(node.status == .ok)
                #expect(Self.summary(try await Self.nextEvents(lines)) == ["Node NodeRegistration n9"])
                let deleted = try await client.send(.delete, "/v1/acl/token/\(fixture.clientAccessor)", token: fixture.management, body: nil)
                #expect(deleted.status == .ok)
                #expect(
                    try await Self.nextEventLine(lines)
                        == #"{"Error":"subscription closed by server, client should resubscribe: its ACL token was deleted or has expired"}"#)
                #expect(try await lines.next() == nil, "the stream ends after its error line")
            }
        }
    }

    @Test("a policy change that takes away one of a stream's topics ends that stream; a stream whose topics are all still allowed goes on")
    func endsWhenPolicyNarrows() async throws {
        let agent = TestAgent(aclEnabled: true)
        try await agent.run(.live) { client in
            let fixture = try await ACLFixture.make(client)
            let port = try Self.port(client)
            func policy(_ rules: String) async throws {
                let written = try await client.send(.put, "/v1/acl/policy/streams", token: fixture.management, body: try Self.json(["Name": "streams", "Rules": rules]))
                #expect(written.status == .ok, "\(written.text)")
            }
            try await policy("node { policy = \"read\" }\nnamespace \"default\" { capabilities = [\"read-job\"] }")
            let created = try await client.send(.put, "/v1/acl/token", token: fixture.management, body: try Self.json(["Type": "client", "Policies": ["streams"]]))
            let secret = try #require(try created.object["SecretID"] as? String)
            let start = "/v1/event/stream?index=\(agent.index + 1)"
            try await EventStreamClient.stream(port: port, "\(start)&topic=Node", token: secret) { nodeStatus, nodeLines in
                try await EventStreamClient.stream(port: port, "\(start)&topic=Node&topic=Job", token: secret) { bothStatus, bothLines in
                    #expect(nodeStatus == 200 && bothStatus == 200)
                    try await policy("node { policy = \"read\" }")
                    #expect(
                        try await Self.nextEventLine(bothLines)
                            == #"{"Error":"subscription closed by server, client should resubscribe: its ACL token no longer allows the topic Job"}"#)
                    #expect(try await bothLines.next() == nil)
                }
                let node = try await client.send(.put, "/v1/node/register", token: fixture.management, body: try Self.json(["Node": Body.node("n9")]))
                #expect(node.status == .ok)
                #expect(Self.summary(try await Self.nextEvents(nodeLines)) == ["Node NodeRegistration n9"], "the Node-only stream goes on")
            }
        }
    }

    static func json(_ object: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: object) }

    @Test("an idle stream sends {} at every heartbeat")
    func heartbeats() async throws {
        let agent = TestAgent(eventHeartbeat: .milliseconds(20))
        try await agent.run(.live) { client in
            try await EventStreamClient.stream(port: try Self.port(client), "/v1/event/stream") { _, lines in
                for _ in 1...3 {
                    let line = try await lines.next()
                    #expect(line == "{}")
                }
            }
        }
    }
}
