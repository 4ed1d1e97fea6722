import CaravanModel
import CaravanTestSupport
import Testing

@testable import CaravanState

/// Plugin semantics as Nomad 1.x (reference §4.2–4.3), adapted to Caravan having no scheduler:
/// healthy counts come from fingerprints, expected counts from jobs.
struct PluginLifecycleTests {
    /// The reference's "3-node plugin" fixture: node 0 runs a healthy controller, nodes 1 and 2
    /// healthy node plugins.
    static func threeNodePlugin(_ script: inout Script, plugin: String = "foo", requiresController: Bool = true) {
        script.register(Fixture.node("n0", controllers: [Fixture.controller(plugin, requiresController: requiresController)]))
        script.register(Fixture.node("n1", nodes: [Fixture.nodePlugin(plugin, zone: "a")]))
        script.register(Fixture.node("n2", nodes: [Fixture.nodePlugin(plugin, zone: "b")]))
    }

    @Test("scenario 1: a plugin appears from fingerprints alone, with zero expected instances")
    func pluginFromFingerprints() throws {
        var script = Script()
        Self.threeNodePlugin(&script)
        let plugin = try #require(script.state.plugin(id: "foo"))
        #expect(plugin.summary.controllersHealthy == 1)
        #expect(plugin.controllers.count == 1)
        #expect(plugin.summary.nodesHealthy == 2)
        #expect(plugin.nodes.count == 2)
        #expect(plugin.summary.controllersExpected == 0)
        #expect(plugin.summary.nodesExpected == 0)
        #expect(plugin.summary.controllerRequired)
        #expect(plugin.summary.createIndex == 1)
        #expect(plugin.summary.modifyIndex == 3)
        #expect(plugin.topologies == [CSITopology(segments: ["zone": "a"]), CSITopology(segments: ["zone": "b"])])
    }

    @Test("scenario 3: a job creates the plugin; fingerprints fill it; purging the job removes it")
    func pluginFromJob() throws {
        var script = Script()
        script.register(Fixture.pluginJob("foo-nodes", plugin: "foo", role: "node", count: 3))
        var plugin = try #require(script.state.plugin(id: "foo"))
        #expect(plugin.summary.nodesHealthy == 0)
        #expect(plugin.summary.controllersHealthy == 0)
        #expect(plugin.summary.nodesExpected == 3)
        #expect(plugin.nodeJobs["default"]?["foo-nodes"]?.id == "foo-nodes")

        Self.threeNodePlugin(&script)
        plugin = try #require(script.state.plugin(id: "foo"))
        #expect(plugin.summary.nodesHealthy == 2)
        #expect(plugin.summary.controllersHealthy == 1)

        for id in ["n0", "n1", "n2"] { script.purgeNode(id) }
        plugin = try #require(script.state.plugin(id: "foo"), "the job still expects instances")
        #expect(plugin.summary.nodesHealthy == 0)
        #expect(plugin.summary.controllersHealthy == 0)

        script.deregisterJob("foo-nodes", purge: true)
        #expect(script.state.plugin(id: "foo") == nil)
    }

    @Test("scenario 4: the lifecycle of a plugin with a controller job and a system node job")
    func lifecycle() throws {
        var script = Script()
        // (a) jobs first: the service controller job expects its count; the system node job expects
        // one instance per ready, eligible node, and there are none yet.
        script.register(Fixture.pluginJob("ctrl", plugin: "foo", role: "controller", count: 2))
        script.register(Fixture.pluginJob("nodes", plugin: "foo", role: "node", type: "system"))
        var summary = try #require(script.state.pluginSummary(id: "foo"))
        #expect(summary.controllersExpected == 2)
        #expect(summary.nodesExpected == 0)
        #expect(summary.controllerRequired == false)

        // (b, c) three ready nodes join: the system job now expects three node instances.
        for id in ["n0", "n1", "n2"] { script.register(Fixture.node(id, status: "initializing")) }
        #expect(try #require(script.state.pluginSummary(id: "foo")).nodesExpected == 0, "initializing nodes are not ready")
        for id in ["n0", "n1", "n2"] { script.setStatus(id, "ready") }
        #expect(try #require(script.state.pluginSummary(id: "foo")).nodesExpected == 3)

        // (d) fingerprints: 2 controllers and 3 node plugins, healthy, requiring a controller.
        script.register(Fixture.node("n0", controllers: [Fixture.controller("foo")], nodes: [Fixture.nodePlugin("foo")]))
        script.register(Fixture.node("n1", controllers: [Fixture.controller("foo")], nodes: [Fixture.nodePlugin("foo")]))
        script.register(Fixture.node("n2", nodes: [Fixture.nodePlugin("foo")]))
        var plugin = try #require(script.state.plugin(id: "foo"))
        #expect(plugin.controllers.count == 2)
        #expect(plugin.nodes.count == 3)
        #expect(plugin.summary.controllersHealthy == 2)
        #expect(plugin.summary.nodesHealthy == 3)
        #expect(plugin.summary.controllersExpected == 2)
        #expect(plugin.summary.nodesExpected == 3)
        #expect(plugin.summary.controllerRequired)

        // (f) n0 re-registers without CSI plugins: its instances go, expectations stay.
        script.register(Fixture.node("n0"))
        plugin = try #require(script.state.plugin(id: "foo"))
        #expect(plugin.controllers.count == 1)
        #expect(plugin.nodes.count == 2)
        #expect(plugin.summary.controllersHealthy == 1)
        #expect(plugin.summary.nodesHealthy == 2)
        #expect(plugin.summary.controllersExpected == 2)
        #expect(plugin.summary.nodesExpected == 3)

        // (g) n0 goes down: the system job expects one fewer node instance.
        script.setStatus("n0", "down")
        summary = try #require(script.state.pluginSummary(id: "foo"))
        #expect(summary.controllersExpected == 2)
        #expect(summary.nodesExpected == 2)

        // (h) both jobs purged: expectations drop to zero, fingerprints keep the plugin.
        script.deregisterJob("ctrl", purge: true)
        script.deregisterJob("nodes", purge: true)
        summary = try #require(script.state.pluginSummary(id: "foo"))
        #expect(summary.controllersExpected == 0)
        #expect(summary.nodesExpected == 0)
        script.register(Fixture.node("n1", nodes: [Fixture.nodePlugin("foo")]))
        summary = try #require(script.state.pluginSummary(id: "foo"))
        #expect(summary.controllersHealthy == 0)
        #expect(summary.nodesHealthy == 2)
        script.register(Fixture.node("n1"))
        script.register(Fixture.node("n2"))
        #expect(script.state.plugin(id: "foo") == nil, "no instances and no jobs: the plugin is gone")
    }

    @Test("a plugin that moves from the controller role to the node role on one node keeps its identity")
    func roleMove() throws {
        var script = Script()
        script.register(Fixture.node("n0", controllers: [Fixture.controller("foo")]))
        script.register(Fixture.node("n0", nodes: [Fixture.nodePlugin("foo")]))
        let plugin = try #require(script.state.plugin(id: "foo"))
        #expect(plugin.summary.createIndex == 1)
        #expect(plugin.controllers.isEmpty)
        #expect(plugin.nodes.count == 1)
    }

    @Test("scenario 5: an unhealthy first fingerprint does not create a plugin")
    func unhealthyFirstFingerprint() {
        var script = Script()
        script.register(Fixture.node("n0", nodes: [Fixture.nodePlugin("foo", healthy: false)]))
        #expect(script.state.plugin(id: "foo") == nil)
        #expect(script.state.tableIndex(.plugins) == 0, "no plugin changed, so the table index does not move")
    }

    @Test("an instance that turns unhealthy stays listed but stops counting as healthy")
    func unhealthyAfterHealthy() throws {
        var script = Script()
        script.register(Fixture.node("n0", nodes: [Fixture.nodePlugin("foo")]))
        script.register(Fixture.node("n0", nodes: [Fixture.nodePlugin("foo", healthy: false)]))
        let plugin = try #require(script.state.plugin(id: "foo"))
        #expect(plugin.nodes.count == 1)
        #expect(plugin.summary.nodesHealthy == 0)
    }

    @Test("scenario 8: expected counts follow jobs: a service group's count, a system job's ready nodes")
    func expectedFromJobs() throws {
        var script = Script()
        for id in ["n0", "n1", "n2"] { script.register(Fixture.node(id, status: "initializing")) }
        for id in ["n0", "n1", "n2"] { script.setStatus(id, "ready") }
        script.register(Fixture.pluginJob("ctrl", plugin: "foo", role: "controller", count: 11))
        #expect(try #require(script.state.pluginSummary(id: "foo")).controllersExpected == 11)
        script.register(Fixture.pluginJob("bar", plugin: "foo", role: "node", type: "system"))
        #expect(try #require(script.state.pluginSummary(id: "foo")).nodesExpected == 3)
        script.deregisterJob("bar", purge: true)
        #expect(try #require(script.state.pluginSummary(id: "foo")).nodesExpected == 0)
        script.deregisterJob("ctrl", purge: true)
        #expect(script.state.pluginSummary(id: "foo") == nil)
    }

    @Test("a system job counts only ready, eligible nodes in its datacenters, glob patterns included")
    func systemJobDatacenters() throws {
        var script = Script()
        for (id, dc) in [("a", "us-east-1"), ("b", "us-east-2"), ("c", "eu-west-1")] {
            script.register(Fixture.node(id, datacenter: dc, status: "initializing"))
            script.setStatus(id, "ready")
        }
        script.register(Fixture.pluginJob("east", plugin: "foo", role: "node", type: "system", datacenters: ["us-east-*"]))
        #expect(try #require(script.state.pluginSummary(id: "foo")).nodesExpected == 2)
        script.register(Fixture.pluginJob("east", plugin: "foo", role: "node", type: "system", datacenters: ["*"]))
        #expect(try #require(script.state.pluginSummary(id: "foo")).nodesExpected == 3)
        script.purgeNode("c")
        #expect(try #require(script.state.pluginSummary(id: "foo")).nodesExpected == 2)
    }

    @Test("a ready node that re-registers in another datacenter moves a system job's expectation")
    func datacenterMove() throws {
        var script = Script()
        script.register(Fixture.node("n0", datacenter: "dc1", status: "initializing"))
        script.setStatus("n0", "ready")
        script.register(Fixture.pluginJob("nodes", plugin: "foo", role: "node", type: "system", datacenters: ["dc1"]))
        #expect(try #require(script.state.pluginSummary(id: "foo")).nodesExpected == 1)
        script.register(Fixture.node("n0", datacenter: "dc2"))
        #expect(try #require(script.state.pluginSummary(id: "foo")).nodesExpected == 0)
        script.register(Fixture.node("n0", datacenter: "dc1"))
        #expect(try #require(script.state.pluginSummary(id: "foo")).nodesExpected == 1)
    }

    @Test("sysbatch and batch groups expect their count, like service groups")
    func sysbatchUsesCount() throws {
        var script = Script()
        script.register(Fixture.pluginJob("sb", plugin: "foo", role: "monolith", type: "sysbatch", count: 4))
        let summary = try #require(script.state.pluginSummary(id: "foo"))
        #expect(summary.controllersExpected == 4)
        #expect(summary.nodesExpected == 4)
    }

    @Test("scenario 9: deleting a node that runs a monolith removes both instances")
    func monolithNodeDeletion() throws {
        var script = Script()
        script.register(Fixture.node("n0", controllers: [Fixture.controller("foo")], nodes: [Fixture.nodePlugin("foo")]))
        script.register(Fixture.node("n1", nodes: [Fixture.nodePlugin("foo")]))
        script.purgeNode("n0")
        let plugin = try #require(script.state.plugin(id: "foo"))
        #expect(plugin.summary.controllersHealthy == 0)
        #expect(plugin.summary.nodesHealthy == 1)
        #expect(plugin.controllers.isEmpty)
        #expect(plugin.nodes.keys.sorted() == ["n1"])
        script.purgeNode("n1")
        #expect(script.state.plugin(id: "foo") == nil)
    }

    @Test("a stopped job expects nothing and no longer lists the plugin as its")
    func stoppedJob() throws {
        var script = Script()
        script.register(Fixture.node("n0", nodes: [Fixture.nodePlugin("foo")]))
        script.register(Fixture.pluginJob("nodes", plugin: "foo", role: "node", count: 5))
        #expect(try #require(script.state.pluginSummary(id: "foo")).jobIDs == ["default": ["nodes"]])
        script.deregisterJob("nodes", purge: false)
        let summary = try #require(script.state.pluginSummary(id: "foo"))
        #expect(summary.nodesExpected == 0)
        #expect(summary.jobIDs.isEmpty)
        #expect(try #require(script.state.job(namespace: "default", id: "nodes")).status == "dead")
    }

    @Test("changing a job's plugin moves its expectations from the old plugin to the new one")
    func jobChangesPlugin() throws {
        var script = Script()
        script.register(Fixture.pluginJob("j", plugin: "old", role: "controller", count: 2))
        script.register(Fixture.pluginJob("j", plugin: "new", role: "controller", count: 2))
        #expect(script.state.plugin(id: "old") == nil)
        #expect(try #require(script.state.pluginSummary(id: "new")).controllersExpected == 2)
    }

    @Test("JobIDs groups the jobs that run a plugin by namespace")
    func jobIDsByNamespace() throws {
        var script = Script()
        script.createNamespaces("prod")
        script.register(Fixture.pluginJob("b", plugin: "foo", role: "node", count: 1))
        script.register(Fixture.pluginJob("a", plugin: "foo", role: "node", count: 1))
        script.register(Fixture.pluginJob("c", plugin: "foo", role: "controller", count: 1, namespace: "prod"))
        #expect(try #require(script.state.pluginSummary(id: "foo")).jobIDs == ["default": ["a", "b"], "prod": ["c"]])
        #expect(script.state.jobsRunningPlugin(id: "foo", namespace: "default").map(\.job.id) == ["a", "b"])
    }
}
