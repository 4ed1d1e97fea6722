import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `/v1/nodes`, `/v1/node/:id` and the client seam (`/v1/node/register`, `/v1/node/:id/status`).
struct NodeRouteTests {
    @Test("a registered node is listed without its CSI maps and read in full without its secret")
    func registerAndRead() async throws {
        let agent = TestAgent()
        let start = agent.index
        try await agent.run { client in
            let response = try await client.registerNode(Body.node("n1", controllers: [Body.controller("foo")]))
            #expect(try response.object["NodeModifyIndex"] as? Int == Int(start + 1))
            let stub = try #require(try await client.get("/v1/nodes").array.first as? [String: Any])
            #expect(stub["ID"] as? String == "n1")
            #expect(stub["Status"] as? String == "initializing")
            #expect(stub["Address"] as? String == "10.0.0.1")
            #expect(stub["CSIControllerPlugins"] == nil)
            let node = try await client.get("/v1/node/n1").object
            #expect(node["SecretID"] as? String == "")
            #expect(node["SchedulingEligibility"] as? String == "eligible")
            #expect(node["NodePool"] as? String == "default")
            let plugins = try #require(node["CSIControllerPlugins"] as? [String: [String: Any]])
            #expect(plugins["foo"]?["Healthy"] as? Bool == true)
        }
    }

    @Test("status updates change the status; re-registration keeps it")
    func status() async throws {
        try await TestAgent().run { client in
            try await client.registerNode(Body.node("n1"))
            let update = try await client.put("/v1/node/n1/status", body: ["Status": "ready"])
            #expect(update.status == .ok)
            #expect(try await client.get("/v1/node/n1").object["Status"] as? String == "ready")
            try await client.registerNode(Body.node("n1", status: "initializing"))
            #expect(try await client.get("/v1/node/n1").object["Status"] as? String == "ready")
        }
    }

    @Test("seam errors: missing node, ID or secret, bad status, wrong secret, unknown node")
    func errors() async throws {
        let agent = TestAgent()
        let start = agent.index
        try await agent.run { client in
            #expect(try await client.put("/v1/node/register", body: [:]).status == .badRequest)
            #expect(try await client.put("/v1/node/register", body: ["Node": ["SecretID": "s"]]).text == "missing node ID for client registration")
            #expect(try await client.put("/v1/node/register", body: ["Node": ["ID": "n"]]).text == "missing secret ID for client registration")
            #expect(try await client.put("/v1/node/register", body: ["Node": Body.node("n1", status: "sleepy")]).status == .badRequest)
            var misnamed = Body.nodePlugin("other")
            misnamed["PluginID"] = "other"
            let monolith = Body.node("n9", controllers: [Body.controller("foo")], nodes: [Body.nodePlugin("foo")])
            var mislabelled = monolith
            mislabelled["CSINodePlugins"] = ["foo": misnamed]
            let refusedFingerprint = try await client.put("/v1/node/register", body: ["Node": mislabelled])
            #expect(refusedFingerprint.status == .badRequest, "a node fingerprint keyed foo that names plugin other")
            try await client.registerNode(Body.node("n1"))
            var impostor = Body.node("n1", nodes: [Body.nodePlugin("foo")])
            impostor["SecretID"] = "stolen"
            let refused = try await client.put("/v1/node/register", body: ["Node": impostor])
            #expect(refused.status == .badRequest)
            #expect(refused.text.contains("secret ID does not match"))
            #expect(try await client.get("/v1/plugin/csi/foo").status == .notFound)
            #expect(try await client.put("/v1/node/n1/status", body: ["Status": "asleep"]).status == .badRequest)
            #expect(try await client.put("/v1/node/ghost/status", body: ["Status": "ready"]).status == .notFound)
            #expect(try await client.put("/v1/node/ghost/purge", json: "").status == .notFound)
            #expect(try await client.get("/v1/nodes").index == start + 1, "n1's registration is the only change to the nodes")
        }
    }

    @Test("purging a node removes it and its plugin instances")
    func purge() async throws {
        let agent = TestAgent()
        let start = agent.index
        try await agent.run { client in
            try await client.registerNode(Body.node("n1", nodes: [Body.nodePlugin("foo")]))
            try await client.registerNode(Body.node("n2", nodes: [Body.nodePlugin("foo")]))
            let purge = try await client.put("/v1/node/n1/purge", json: "", method: .post)
            #expect(purge.status == .ok)
            #expect(try purge.object["NodeModifyIndex"] as? Int == Int(start + 3))
            #expect(try await client.get("/v1/node/n1").status == .notFound)
            #expect(try await client.get("/v1/plugin/csi/foo").object["NodesHealthy"] as? Int == 1)
        }
    }

    @Test("the node list filters by prefix")
    func prefix() async throws {
        try await TestAgent().run { client in
            for id in ["web-1", "web-2", "db-1"] { try await client.registerNode(Body.node(id)) }
            let ids = try await client.get("/v1/nodes?prefix=web").array.compactMap { ($0 as? [String: Any])?["ID"] as? String }
            #expect(ids == ["web-1", "web-2"])
        }
    }
}
