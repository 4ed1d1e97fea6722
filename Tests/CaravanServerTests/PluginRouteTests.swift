import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `/v1/plugins` and `/v1/plugin/csi/:id`, Nomad's shapes.
struct PluginRouteTests {
    @Test("scenario 1 over HTTP: a plugin from fingerprints only")
    func fingerprintOnly() async throws {
        let agent = TestAgent()
        let start = agent.index
        try await agent.run { client in
            try await client.registerNode(Body.node("n0", controllers: [Body.controller("foo")]))
            try await client.registerNode(Body.node("n1", nodes: [Body.nodePlugin("foo")]))
            try await client.registerNode(Body.node("n2", nodes: [Body.nodePlugin("foo")]))
            let response = try await client.get("/v1/plugin/csi/foo")
            #expect(response.status == .ok)
            let plugin = try response.object
            #expect(plugin["ControllersHealthy"] as? Int == 1)
            #expect((plugin["Controllers"] as? [String: Any])?.count == 1)
            #expect(plugin["NodesHealthy"] as? Int == 2)
            #expect((plugin["Nodes"] as? [String: Any])?.count == 2)
            #expect(plugin["ControllersExpected"] as? Int == 0)
            #expect(plugin["NodesExpected"] as? Int == 0)
            #expect(plugin["Provider"] as? String == "com.example.foo")
            #expect(plugin["ControllerRequired"] as? Bool == true)
            #expect(response.index == start + 3)
        }
    }

    @Test("the plugin list needs type=csi: none gives [], another type an empty body")
    func typeParameter() async throws {
        try await TestAgent().run { client in
            try await client.registerNode(Body.node("n0", nodes: [Body.nodePlugin("foo")]))
            #expect(try await client.get("/v1/plugins").text == "[]")
            let other = try await client.get("/v1/plugins?type=host")
            #expect(other.status == .ok)
            #expect(other.text == "")
            let stubs = try await client.get("/v1/plugins?type=csi").array
            let stub = try #require(stubs.first as? [String: Any])
            #expect(
                stub.keys.sorted() == [
                    "ControllerRequired", "ControllersExpected", "ControllersHealthy", "CreateIndex", "ID", "ModifyIndex",
                    "NodesExpected", "NodesHealthy", "Provider",
                ])
        }
    }

    @Test("the plugin lists filter by prefix and reflect every change, creation and deletion (caches are refreshed)")
    func listRefreshes() async throws {
        let agent = TestAgent()
        let start = agent.index
        try await agent.run { client in
            for id in ["aws-ebs", "aws-efs", "gce-pd"] { try await client.registerNode(Body.node("n-\(id)", nodes: [Body.nodePlugin(id)])) }
            func ids(_ uri: String) async throws -> [String] {
                try await client.get(uri).array.compactMap { ($0 as? [String: Any])?["ID"] as? String }
            }
            #expect(try await ids("/v1/plugins?type=csi&prefix=aws") == ["aws-ebs", "aws-efs"])
            #expect(try await ids("/v1/plugins?type=csi") == ["aws-ebs", "aws-efs", "gce-pd"])
            try await client.registerNode(Body.node("n-extra", nodes: [Body.nodePlugin("aws-ebs")]))
            let ebs = try await client.get("/v1/plugins?type=csi&prefix=aws-ebs").array.first as? [String: Any]
            #expect(ebs?["NodesHealthy"] as? Int == 2)
            #expect(ebs?["ModifyIndex"] as? Int == Int(start + 4))
            try await client.registerNode(Body.node("n-azure", nodes: [Body.nodePlugin("azure-disk")]))
            #expect(try await ids("/v1/plugins?type=csi") == ["aws-ebs", "aws-efs", "azure-disk", "gce-pd"])
            #expect(try await ids("/v1/csi/plugins") == ["aws-ebs", "aws-efs", "azure-disk", "gce-pd"])
            _ = try await client.put("/v1/node/n-aws-efs/purge", json: "")
            #expect(try await ids("/v1/plugins?type=csi") == ["aws-ebs", "azure-disk", "gce-pd"])
            #expect(try await ids("/v1/csi/plugins") == ["aws-ebs", "azure-disk", "gce-pd"])
        }
    }

    @Test("a second path segment is ignored; a missing plugin is 404 plugin not found")
    func pathShapes() async throws {
        try await TestAgent().run { client in
            try await client.registerNode(Body.node("n0", nodes: [Body.nodePlugin("foo")]))
            #expect(try await client.get("/v1/plugin/csi/foo/anything").status == .ok)
            let missing = try await client.get("/v1/plugin/csi/bar")
            #expect(missing.status == .notFound)
            #expect(missing.text == "plugin not found")
        }
    }

    @Test("status and agent routes answer")
    func statusAndAgent() async throws {
        try await TestAgent().run { client in
            #expect(try await client.get("/v1/status/leader").json as? String == "127.0.0.1:4647")
            let agent = try await client.get("/v1/agent/self").object
            #expect((agent["config"] as? [String: Any])?["Region"] as? String == "global")
            #expect((agent["member"] as? [String: Any])?["Status"] as? String == "alive")
        }
    }
}
