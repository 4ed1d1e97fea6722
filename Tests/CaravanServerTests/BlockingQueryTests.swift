import CaravanTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Blocking queries over HTTP: `?index=N&wait=D` parks until the relevant index passes N.
struct BlockingQueryTests {
    @Test("a blocking read whose index already passed answers at once")
    func passedIndex() async throws {
        let agent = TestAgent()
        let start = agent.index
        try await agent.run { client in
            try await client.registerNode(Body.node("n1"))
            let response = try await client.get("/v1/nodes?index=0&wait=10s")
            #expect(response.index == start + 1)
            let again = try await client.get("/v1/node/n1?index=0")
            #expect(again.index == start + 1)
        }
    }

    @Test("a timeout answers 200 with the current data and the unchanged index")
    func timeout() async throws {
        let agent = TestAgent()
        let start = agent.index
        try await agent.run { client in
            try await client.registerNode(Body.node("n1"))
            let response = try await client.get("/v1/nodes?index=\(start + 1)&wait=50ms")
            #expect(response.status == .ok)
            #expect(response.index == start + 1)
            #expect(try response.array.count == 1)
        }
    }

    @Test("a parked list query is woken by a write to its table and sees it")
    func listWakes() async throws {
        let agent = TestAgent()
        let start = agent.index
        try await agent.run { client in
            try await client.registerNode(Body.node("n1"))
            async let woken = client.get("/v1/nodes?index=\(start + 1)&wait=20s")
            try await eventually("the query parks") { agent.store.parkedCount == 1 }
            try await client.registerNode(Body.node("n2"))
            let response = try await woken
            #expect(response.index == start + 2)
            #expect(try response.array.count == 2)
        }
    }

    @Test("an unrelated write does not wake a detail query; a write to its object does")
    func detailIgnoresUnrelated() async throws {
        let agent = TestAgent()
        let start = agent.index
        try await agent.run { client in
            try await client.registerNode(Body.node("n1", nodes: [Body.nodePlugin("foo")]))
            async let woken = client.get("/v1/plugin/csi/foo?index=\(start + 1)&wait=20s")
            try await eventually("the query parks") { agent.store.parkedCount == 1 }
            try await client.registerNode(Body.node("n2", nodes: [Body.nodePlugin("bar")]))
            try await client.registerJob(Body.pluginJob("j", plugin: "bar", role: "controller"))
            try await client.registerNode(Body.node("n3"))
            #expect(agent.index == start + 4)
            #expect(agent.store.parkedCount == 1, "three unrelated writes left the query parked")
            try await client.registerNode(Body.node("n4", nodes: [Body.nodePlugin("foo")]))
            let response = try await woken
            #expect(response.index == start + 5)
            #expect(try response.object["NodesHealthy"] as? Int == 2)
        }
    }

    @Test("a job query wakes on a change to the plugin the job runs")
    func jobWakesOnPlugin() async throws {
        let agent = TestAgent()
        let start = agent.index
        try await agent.run { client in
            try await client.registerJob(Body.pluginJob("j", plugin: "foo", role: "node"))
            async let woken = client.get("/v1/job/j?index=\(start + 1)&wait=20s")
            try await eventually("the query parks") { agent.store.parkedCount == 1 }
            try await client.registerNode(Body.node("n1", nodes: [Body.nodePlugin("foo")]))
            let response = try await woken
            #expect(response.index == start + 2)
            let plugin = try #require(try response.object["CSIPlugin"] as? [String: Any])
            #expect(plugin["NodesHealthy"] as? Int == 1)
        }
    }

    @Test("a query for an object that does not exist yet wakes when it is created")
    func waitsForCreation() async throws {
        let agent = TestAgent()
        let start = agent.index
        try await agent.run { client in
            try await client.registerNode(Body.node("n1"))
            let missing = try await client.get("/v1/node/n2")
            #expect(missing.status == .notFound)
            #expect(missing.text == "node not found")
            async let woken = client.get("/v1/node/n2?index=\(missing.index!)&wait=20s")
            try await eventually("the query parks") { agent.store.parkedCount == 1 }
            try await client.registerNode(Body.node("n2"))
            let response = try await woken
            #expect(response.status == .ok)
            #expect(response.index == start + 2)
        }
    }

    @Test("a job whose plugin is retired reports a later index and no stale CSIPlugin object")
    func retiredPlugin() async throws {
        try await TestAgent().run { client in
            try await client.registerNode(Body.node("n1", nodes: [Body.nodePlugin("x")]))
            try await client.registerJob(Body.pluginJob("j", plugin: "x", role: "node"))
            _ = try await client.execute(uri: "/v1/job/j", method: .delete)
            let stopped = try await client.get("/v1/job/j")
            #expect(try stopped.object["CSIPlugin"] != nil)
            try await client.registerNode(Body.node("n1"))
            #expect(try await client.get("/v1/plugin/csi/x").status == .notFound)
            let retired = try await client.get("/v1/job/j?index=\(stopped.index!)&wait=5s")
            #expect(try #require(retired.index) > stopped.index!)
            #expect(try retired.object["CSIPlugin"] == nil)
        }
    }

    @Test("an empty index or wait is ignored, as Nomad ignores it")
    func emptyParameters() async throws {
        try await TestAgent().run { client in
            let response = try await client.get("/v1/nodes?index=&wait=")
            #expect(response.status == .ok)
        }
    }

    @Test("50 concurrent writers: every watcher sees every index it waits for, and no wakeup is lost")
    func concurrentWritersAndWatchers() async throws {
        let agent = TestAgent()
        let writers = 50
        let writesPerWriter = 6
        let start = agent.index
        try await agent.run { client in
            let total = UInt64(writers * writesPerWriter)
            let last = start + total
            try await withThrowingTaskGroup(of: Void.self) { group in
                // A list watcher chasing the node table: every answer passes the index it waited
                // on (a timeout would return it unchanged), and shows the state as of its index.
                for _ in 0..<4 {
                    group.addTask {
                        var seen = start + 1
                        while seen < last {
                            let asked = ContinuousClock.now
                            let response = try await client.get("/v1/nodes?index=\(seen)&wait=20s")
                            let index = try #require(response.index)
                            // Only the wait running out (a loaded machine can starve the writers
                            // that long) answers without the index passing the one asked for.
                            #expect(index > seen || ContinuousClock.now - asked >= .seconds(20), "woken without the index passing \(seen)")
                            let latest = try response.array.compactMap { ($0 as? [String: Any])?["ModifyIndex"] as? Int }.max()
                            #expect(UInt64(latest ?? 0) == index, "the list reflects every change up to its index")
                            seen = index
                        }
                    }
                }
                for writer in 0..<writers {
                    // A detail watcher on this writer's node, chasing its writes.
                    group.addTask {
                        var seen = start + 1
                        var versions = 0
                        while versions < writesPerWriter {
                            let asked = ContinuousClock.now
                            let response = try await client.get("/v1/node/w\(writer)?index=\(seen)&wait=20s")
                            let index = try #require(response.index)
                            #expect(
                                index > seen || response.status == .notFound && seen == start + 1 || ContinuousClock.now - asked >= .seconds(20),
                                "woken without the index passing \(seen)")
                            if response.status == .ok {
                                let modify = try response.object["ModifyIndex"] as? Int
                                #expect(UInt64(modify ?? 0) == index)
                                let attributes = try response.object["Attributes"] as? [String: String]
                                versions = Int(attributes?["round"] ?? "0") ?? 0
                            }
                            seen = max(seen, index)
                        }
                    }
                    group.addTask {
                        for round in 1...writesPerWriter {
                            var node = Body.node("w\(writer)")
                            node["Attributes"] = ["round": String(round)]
                            try await client.registerNode(node)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(agent.index == last)
            #expect(agent.store.parkedCount == 0)
        }
    }
}
