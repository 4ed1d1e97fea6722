import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// What the draft API's routes report, beyond their shapes.
struct CSIPluginRouteTests {
    @Test("the plugin list's JobIDs groups the running jobs by namespace and the counts are derived")
    func pluginListContent() async throws {
        try await TestAgent().run { client in
            try await CSIPluginShapeTests.populate(client)
            try await client.createNamespaces("storage")
            try await client.registerJob(Body.pluginJob("example-ctrl", plugin: "example", role: "controller", count: 3, namespace: "storage"))
            let plugins = try await client.get("/v1/csi/plugins").array
            let plugin = try #require(plugins.first as? [String: Any])
            #expect(plugin["ID"] as? String == "example")
            #expect(plugin["JobIDs"] as? [String: [String]] == ["default": ["example-nodes"], "storage": ["example-ctrl"]])
            #expect(plugin["ControllerRequired"] as? Bool == true)
            #expect(plugin["ControllersHealthy"] as? Int == 1)
            #expect(plugin["ControllersExpected"] as? Int == 3)
            #expect(plugin["NodesHealthy"] as? Int == 1)
            #expect(plugin["NodesExpected"] as? Int == 2)
        }
    }

    @Test("the plugin detail lists the request namespace's jobs, with their summaries, and its topologies")
    func pluginDetailContent() async throws {
        try await TestAgent().run { client in
            try await CSIPluginShapeTests.populate(client)
            try await client.registerNode(Body.node("node-2", nodes: [Body.nodePlugin("example", zone: "us-east-1b")]))
            try await client.createNamespaces("storage")
            try await client.registerJob(Body.pluginJob("other", plugin: "example", role: "controller", namespace: "storage"))
            let detail = try #require(try await client.get("/v1/csi/plugin/example").array.first as? [String: Any])
            #expect(detail["Namespace"] as? String == "default")
            let jobs = try #require(detail["Jobs"] as? [[String: Any]])
            #expect(jobs.map { $0["ID"] as? String } == ["example-nodes"])
            let summary = try #require(jobs.first?["JobSummary"] as? [String: Any])
            #expect(summary["JobID"] as? String == "example-nodes")
            #expect((summary["Summary"] as? [String: Any])?.keys.sorted() == ["plugin"])
            #expect(detail["Topologies"] as? [[String: String]] == [["zone": "us-east-1a"], ["zone": "us-east-1b"]])
            #expect((detail["Nodes"] as? [String: Any])?.keys.sorted() == ["node-1", "node-2"])

            let storage = try #require(try await client.get("/v1/csi/plugin/example?namespace=storage").array.first as? [String: Any])
            #expect(storage["Namespace"] as? String == "storage")
            #expect((storage["Jobs"] as? [[String: Any]])?.map { $0["ID"] as? String } == ["other"])
        }
    }

    @Test("GET /v1/csi/jobs lists only plugins that have jobs, and filters by plugin_id")
    func pluginJobsFilter() async throws {
        try await TestAgent().run { client in
            try await CSIPluginShapeTests.populate(client)
            try await client.registerNode(Body.node("node-9", nodes: [Body.nodePlugin("lonely")]))
            #expect(try await client.get("/v1/csi/plugins").array.count == 2)
            let withJobs = try await client.get("/v1/csi/jobs").array.compactMap { ($0 as? [String: Any])?["ID"] as? String }
            #expect(withJobs == ["example"])
            #expect(try await client.get("/v1/csi/jobs?plugin_id=lonely").array.isEmpty)
            #expect(try await client.get("/v1/csi/jobs?plugin_id=missing").array.isEmpty)
        }
    }

    @Test("a job that runs no plugin has no CSIPlugin object; a missing plugin detail is 404")
    func absentPlugin() async throws {
        try await TestAgent().run { client in
            try await client.registerJob([
                "ID": "web", "TaskGroups": [["Name": "web", "Tasks": [["Name": "web", "Driver": "docker"]]]],
            ])
            let job = try await client.get("/v1/job/web").object
            #expect(job["CSIPlugin"] == nil)
            let missing = try await client.get("/v1/csi/plugin/nope")
            #expect(missing.status == .notFound)
            #expect(missing.text == "plugin not found")
        }
    }
}
