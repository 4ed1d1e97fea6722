import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `filter`, `per_page` and `next_token` on the job, node and plugin lists (the volume list's are in
/// VolumeRouteTests).
struct ListSelectionTests {
    static func ids(_ response: TestResponse) throws -> [String] {
        try response.array.compactMap { ($0 as? [String: Any])?["ID"] as? String }
    }

    static func nextToken(_ response: TestResponse) -> String? { response.headers[HTTPField.Name("X-Nomad-NextToken")!] }

    static func encoded(_ filter: String) -> String { filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }

    @Test("the node list: a filter on nested fields and maps, pages of per_page, and the unfiltered list unchanged")
    func nodes() async throws {
        try await TestAgent().run { client in
            for id in ["a", "b", "c", "d"] {
                try await client.registerNode(Body.node(id, status: id == "b" ? "down" : "ready", nodes: id == "c" ? [Body.nodePlugin("ebs")] : []))
            }
            #expect(try Self.ids(try await client.get("/v1/nodes")) == ["a", "b", "c", "d"])
            let down = try await client.get("/v1/nodes?filter=" + Self.encoded("Status == \"down\""))
            #expect(try Self.ids(down) == ["b"])
            let withPlugin = try await client.get("/v1/nodes?filter=" + Self.encoded("CSINodePlugins.ebs.Healthy == true"))
            #expect(try Self.ids(withPlugin) == ["c"])
            let attribute = try await client.get("/v1/nodes?filter=" + Self.encoded("Attributes[\"kernel.name\"] == \"linux\" and ID != \"a\""))
            #expect(try Self.ids(attribute) == ["b", "c", "d"])
            let first = try await client.get("/v1/nodes?per_page=3")
            #expect(try Self.ids(first) == ["a", "b", "c"] && Self.nextToken(first) == "d")
            let second = try await client.get("/v1/nodes?per_page=3&next_token=d")
            #expect(try Self.ids(second) == ["d"] && Self.nextToken(second) == nil)
            let bad = try await client.get("/v1/nodes?filter=" + Self.encoded("Status ==="))
            #expect(bad.status == .badRequest && bad.text.hasPrefix("failed to read filter expression: 1:"))
        }
    }

    @Test("the job list: a filter on the full job across namespaces, with tokens <namespace>.<id>")
    func jobs() async throws {
        try await TestAgent().run { client in
            try await client.createNamespaces("prod")
            try await client.registerJob(Body.pluginJob("api", plugin: "p1", role: "node"))
            try await client.registerJob(Body.pluginJob("db", plugin: "p2", role: "controller", namespace: "prod"))
            try await client.registerJob(Body.pluginJob("web", plugin: "p3", role: "node", type: "system"))
            let system = try await client.get("/v1/jobs?namespace=*&filter=" + Self.encoded("Type == \"system\""))
            #expect(try Self.ids(system) == ["web"])
            let meta = try await client.get("/v1/jobs?namespace=*&filter=" + Self.encoded("Meta.team == \"storage\" and Namespace == \"prod\""))
            #expect(try Self.ids(meta) == ["db"])
            let paged = try await client.get("/v1/jobs?namespace=*&per_page=2")
            #expect(try Self.ids(paged) == ["api", "web"] && Self.nextToken(paged) == "prod.db")
            let rest = try await client.get("/v1/jobs?namespace=*&per_page=2&next_token=prod.db")
            #expect(try Self.ids(rest) == ["db"] && Self.nextToken(rest) == nil)
        }
    }

    @Test("the plugin list: a filter on the full plugin (its fingerprints and counts), and pages")
    func plugins() async throws {
        try await TestAgent().run { client in
            try await client.registerNode(Body.node("n1", nodes: [Body.nodePlugin("aws-ebs"), Body.nodePlugin("gce-pd")]))
            try await client.registerNode(Body.node("n2", controllers: [Body.controller("aws-ebs")]))
            let healthy = try await client.get("/v1/plugins?type=csi&filter=" + Self.encoded("ControllersHealthy > 0"))
            #expect(try Self.ids(healthy) == ["aws-ebs"])
            let nodes = try await client.get("/v1/plugins?type=csi&filter=" + Self.encoded("\"n1\" in Nodes"))
            #expect(try Self.ids(nodes) == ["aws-ebs", "gce-pd"])
            let paged = try await client.get("/v1/plugins?type=csi&per_page=1")
            #expect(try Self.ids(paged) == ["aws-ebs"] && Self.nextToken(paged) == "gce-pd")
        }
    }
}
