import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `/v1/jobs` and `/v1/job/:id`.
struct JobRouteTests {
    @Test("registering a job answers Nomad's write reply and applies Go defaults")
    func register() async throws {
        let agent = TestAgent()
        let start = agent.index
        try await agent.run { client in
            let response = try await client.put("/v1/jobs", body: ["Job": ["ID": "web", "TaskGroups": [["Name": "g", "Tasks": [["Name": "t"]]]]]])
            #expect(response.status == .ok)
            let reply = try response.object
            #expect(reply["JobModifyIndex"] as? Int == Int(start + 1))
            #expect(reply["Index"] as? Int == Int(start + 1))
            #expect(reply["EvalID"] as? String == "")
            #expect(reply["KnownLeader"] as? Bool == true)
            #expect(response.index == start + 1)
            let job = try await client.get("/v1/job/web").object
            #expect(job["Name"] as? String == "web")
            #expect(job["Namespace"] as? String == "default")
            #expect(job["Type"] as? String == "service")
            #expect(job["Priority"] as? Int == 50)
            #expect(job["Region"] as? String == "global")
            #expect(job["Status"] as? String == "pending")
            #expect(job["SubmitTime"] as? Int64 == TestAgent.clockTime)
            let group = try #require((job["TaskGroups"] as? [[String: Any]])?.first)
            #expect(group["Count"] as? Int == 1)
        }
    }

    @Test("fields Caravan does not interpret come back as they were sent")
    func unknownFieldsKept() async throws {
        try await TestAgent().run { client in
            var job = Body.pluginJob("j", plugin: "p", role: "controller")
            job["Constraints"] = [["LTarget": "${attr.kernel.name}", "RTarget": "linux", "Operand": "="]]
            job["Meta"] = ["team": "storage", "cost": 12]
            var groups = job["TaskGroups"] as! [[String: Any]]
            groups[0]["RestartPolicy"] = ["Attempts": 3, "Mode": "fail"]
            job["TaskGroups"] = groups
            try await client.registerJob(job)
            let stored = try await client.get("/v1/job/j").object
            #expect(stored["Constraints"] as? [[String: String]] == [["LTarget": "${attr.kernel.name}", "RTarget": "linux", "Operand": "="]])
            #expect((stored["Meta"] as? [String: Any])?["cost"] as? Int == 12)
            let group = try #require((stored["TaskGroups"] as? [[String: Any]])?.first)
            #expect((group["RestartPolicy"] as? [String: Any])?["Mode"] as? String == "fail")
            let task = try #require((group["Tasks"] as? [[String: Any]])?.first)
            let plugin = try #require(task["CSIPluginConfig"] as? [String: Any])
            #expect(plugin["HealthTimeout"] as? Int == 30_000_000_000)
            #expect(plugin["StagePublishBaseDir"] as? String == "/local/csi")
        }
    }

    @Test("register errors: no job, no ID, path mismatch, bad type, bad plugin block, a count past 2^31-1; nothing changes")
    func registerErrors() async throws {
        try await TestAgent().run { client in
            let before = try await client.get("/v1/jobs").index
            #expect(before == 1, "no job written yet: the jobs table's index is Nomad's floor")
            let cases: [(String, [String: Any], String)] = [
                ("/v1/jobs", [:], "Job must be specified"),
                ("/v1/jobs", ["Job": ["Name": "x"]], "Job ID hasn't been provided"),
                ("/v1/job/other", ["Job": Body.pluginJob("j", plugin: "p", role: "node")], "Job ID does not match name"),
                ("/v1/jobs", ["Job": ["ID": "j", "Type": "daemon", "TaskGroups": [["Name": "g", "Tasks": [["Name": "t"]]]]]], "Invalid job type"),
                ("/v1/jobs", ["Job": Body.pluginJob("j", plugin: "p", role: "sidecar")], "PluginType must be one of"),
                ("/v1/jobs", ["Job": Body.pluginJob("j", plugin: "", role: "node")], "non-empty PluginID"),
                ("/v1/jobs", ["Job": ["ID": "j"]], "Missing job task groups"),
                (
                    "/v1/jobs",
                    ["Job": ["ID": "j", "TaskGroups": [["Name": "g", "Count": Int.max, "Tasks": [["Name": "t"]]]]]],
                    "Task group g: Task group count can't be greater than 2147483647"
                ),
            ]
            for (uri, body, message) in cases {
                let response = try await client.put(uri, body: body)
                #expect(response.status == .badRequest, "\(message)")
                #expect(response.text.contains(message), "\(response.text)")
            }
            #expect(try await client.get("/v1/jobs").index == before)
            #expect(try await client.get("/v1/plugins?type=csi").array.isEmpty)
        }
    }

    @Test("PUT and POST both register, on /v1/jobs and /v1/job/:id")
    func putAndPost() async throws {
        try await TestAgent().run { client in
            let a = try await client.put("/v1/jobs", body: ["Job": Body.pluginJob("a", plugin: "p", role: "node")], method: .post)
            let b = try await client.put("/v1/job/b", body: ["Job": Body.pluginJob("b", plugin: "p", role: "node")], method: .post)
            let c = try await client.put("/v1/job/c", body: ["Job": Body.pluginJob("c", plugin: "p", role: "node")])
            #expect([a.status, b.status, c.status] == [.ok, .ok, .ok])
            #expect(try await client.get("/v1/jobs").array.count == 3)
        }
    }

    @Test("the job list filters by prefix and namespace; * lists every namespace")
    func listFilters() async throws {
        try await TestAgent().run { client in
            try await client.registerJob(Body.pluginJob("api-1", plugin: "p", role: "node"))
            try await client.registerJob(Body.pluginJob("api-2", plugin: "p", role: "node"))
            try await client.registerJob(Body.pluginJob("db", plugin: "p", role: "node"))
            try await client.createNamespaces("prod")
            try await client.registerJob(Body.pluginJob("api-3", plugin: "p", role: "node", namespace: "prod"))
            func ids(_ uri: String) async throws -> [String] {
                try await client.get(uri).array.compactMap { ($0 as? [String: Any])?["ID"] as? String }
            }
            #expect(try await ids("/v1/jobs") == ["api-1", "api-2", "db"])
            #expect(try await ids("/v1/jobs?prefix=api") == ["api-1", "api-2"])
            #expect(try await ids("/v1/jobs?namespace=prod") == ["api-3"])
            #expect(try await ids("/v1/jobs?namespace=*&prefix=api") == ["api-1", "api-2", "api-3"])
            let stub = try #require(try await client.get("/v1/jobs?prefix=db").array.first as? [String: Any])
            #expect((stub["JobSummary"] as? [String: Any])?["JobID"] as? String == "db")
            #expect(stub["Type"] as? String == "service")
        }
    }

    @Test("?namespace= on a register wins over the job's own namespace")
    func namespacePrecedence() async throws {
        try await TestAgent().run { client in
            try await client.createNamespaces("prod", "dev")
            let response = try await client.put(
                "/v1/jobs?namespace=prod", body: ["Job": Body.pluginJob("j", plugin: "p", role: "node", namespace: "dev")])
            #expect(response.status == .ok)
            #expect(try await client.get("/v1/job/j?namespace=prod").status == .ok)
            #expect(try await client.get("/v1/job/j?namespace=dev").status == .notFound)
            #expect(try await client.get("/v1/job/j").status == .notFound)
        }
    }

    @Test("deregistering an unknown job answers 200; stopping keeps the job as dead")
    func deregister() async throws {
        let agent = TestAgent()
        let start = agent.index
        try await agent.run { client in
            let unknown = try await client.execute(uri: "/v1/job/ghost", method: .delete)
            #expect(unknown.status == .ok)
            #expect(try unknown.object["JobModifyIndex"] as? Int == 0)
            try await client.registerJob(Body.pluginJob("j", plugin: "p", role: "node", count: 2))
            let stop = try await client.execute(uri: "/v1/job/j", method: .delete)
            // The unknown job's deregistration, the registration, then the stop.
            #expect(try stop.object["JobModifyIndex"] as? Int == Int(start + 3))
            let job = try await client.get("/v1/job/j").object
            #expect(job["Status"] as? String == "dead")
            #expect(job["Stop"] as? Bool == true)
            #expect(job["Version"] as? Int == 1)
            #expect(try await client.get("/v1/plugin/csi/p").status == .notFound, "a stopped job expects no plugin instances")
        }
    }
}
