import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The draft API's four routes answer with the draft API's exact field sets (testdata/seed).
struct CSIPluginShapeTests {
    /// Keys under these names are data (namespaces, node IDs, task-group names, topology
    /// segments), not fields: the shape compares one of their values instead.
    static let dataMaps: Set<String> = ["JobIDs", "Controllers", "Nodes", "Summary", "Topologies", "AccessibleTopology"]

    /// A canonical description of a JSON value's field sets and value types.
    static func shape(_ value: Any, parent: String = "") -> String {
        switch value {
        case let object as [String: Any]:
            if dataMaps.contains(parent) {
                guard let first = object.keys.sorted().first else { return "{}" }
                return parent == "Topologies" || parent == "AccessibleTopology"
                    ? "{*:\(shape(object[first]!))}" : "{*:\(shape(object[first]!, parent: ""))}"
            }
            return "{" + object.keys.sorted().map { "\($0):\(shape(object[$0]!, parent: $0))" }.joined(separator: ",") + "}"
        case let array as [Any]:
            return "[" + (array.first.map { shape($0, parent: parent) } ?? "") + "]"
        case let number as NSNumber:
            return String(describing: type(of: number)).contains("Boolean") ? "bool" : "number"
        case is String: return "string"
        default: return "null"
        }
    }

    static func golden(_ name: String) throws -> Any {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("testdata/seed/\(name).json"))
        return try JSONSerialization.jsonObject(with: data)
    }

    /// A cluster where plugin `example` has a controller, a node, and a job in `default` running it.
    static func populate(_ client: any TestClientProtocol) async throws {
        try await client.registerNode(Body.node("controller-1", controllers: [Body.controller("example")]))
        try await client.registerNode(Body.node("node-1", nodes: [Body.nodePlugin("example")]))
        try await client.registerJob(Body.pluginJob("example-nodes", plugin: "example", role: "node", count: 2))
    }

    @Test("GET /v1/csi/plugins has the draft API's fields")
    func pluginList() async throws {
        try await TestAgent().run { client in
            try await Self.populate(client)
            let response = try await client.get("/v1/csi/plugins")
            #expect(response.status == .ok)
            #expect(Self.shape(try response.json) == Self.shape(try Self.golden("csi-plugins")))
        }
    }

    @Test("GET /v1/csi/jobs has the draft API's fields")
    func pluginJobs() async throws {
        try await TestAgent().run { client in
            try await Self.populate(client)
            let response = try await client.get("/v1/csi/jobs?plugin_id=example")
            #expect(response.status == .ok)
            #expect(Self.shape(try response.json) == Self.shape(try Self.golden("csi-jobs")))
        }
    }

    @Test("GET /v1/csi/plugin/:id has the draft API's fields, nested objects included")
    func pluginDetail() async throws {
        try await TestAgent().run { client in
            try await Self.populate(client)
            let response = try await client.get("/v1/csi/plugin/example")
            #expect(response.status == .ok)
            #expect(Self.shape(try response.json) == Self.shape(try Self.golden("csi-plugin")))
        }
    }

    @Test("GET /v1/job/:id carries the draft API's CSIPlugin object")
    func jobPlugin() async throws {
        try await TestAgent().run { client in
            try await Self.populate(client)
            let job = try await client.get("/v1/job/example-nodes").object
            let plugin = try #require(job["CSIPlugin"])
            #expect(Self.shape(plugin) == Self.shape(try Self.golden("job-csi-plugin")))
            #expect(job["ID"] as? String == "example-nodes")
            #expect(job["Namespace"] as? String == "default")
        }
    }

    @Test("a field missing from a response would fail the shape comparison")
    func shapeDetectsMissingField() throws {
        var golden = try #require(try Self.golden("job-csi-plugin") as? [String: Any])
        let expected = Self.shape(golden)
        golden["NodesExpected"] = nil
        #expect(Self.shape(golden) != expected)
    }
}
