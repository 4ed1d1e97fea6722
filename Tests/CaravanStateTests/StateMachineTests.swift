import CaravanModel
import CaravanTestSupport
import Testing

@testable import CaravanState

/// The state machine's bookkeeping: indexes, versions, refusals, determinism.
struct StateMachineTests {
    @Test("an object's CreateIndex and ModifyIndex, and its table's index, are the applying entry's index")
    func indexes() throws {
        var script = Script()
        script.register(Fixture.node("n0"))
        script.register(Fixture.pluginJob("j", plugin: "foo", role: "node", count: 1))
        script.register(Fixture.node("n0", nodes: [Fixture.nodePlugin("foo")]))
        let node = try #require(script.state.node(id: "n0"))
        #expect(node.createIndex == 1)
        #expect(node.modifyIndex == 3)
        let job = try #require(script.state.job(namespace: "default", id: "j"))
        #expect(job.createIndex == 2 && job.modifyIndex == 2 && job.jobModifyIndex == 2)
        #expect(script.state.tableIndex(.nodes) == 3)
        #expect(script.state.tableIndex(.jobs) == 2)
        #expect(script.state.tableIndex(.jobSummaries) == 2)
        #expect(script.state.tableIndex(.plugins) == 3)
        #expect(script.state.index == 3)
    }

    @Test("a write that touches no plugin leaves the plugin table's index alone")
    func unrelatedWritesDoNotBumpPlugins() {
        var script = Script()
        script.register(Fixture.node("n0", nodes: [Fixture.nodePlugin("foo")]))
        script.register(Fixture.node("n1"))
        script.register(Job(id: "web", taskGroups: [TaskGroup(name: "web", tasks: [JobTask(name: "web")])]).canonicalized)
        #expect(script.state.tableIndex(.plugins) == 1)
        #expect(script.state.pluginModifyIndex(id: "foo") == 1)
    }

    @Test("the change set names exactly the objects an entry changed")
    func changeSets() {
        var script = Script()
        let first = script.register(Fixture.node("n0", nodes: [Fixture.nodePlugin("foo")]))
        #expect(first.changes.keys == [.node("n0"), .table(.nodes), .plugin("foo"), .table(.plugins)])
        let second = script.register(Fixture.node("n1"))
        #expect(second.changes.keys == [.node("n1"), .table(.nodes)])
        let third = script.register(Fixture.pluginJob("j", plugin: "foo", role: "node", count: 1))
        let key = JobKey(namespace: "default", id: "j")
        #expect(third.changes.keys == [.job(key), .table(.jobs), .table(.jobSummaries), .plugin("foo"), .table(.plugins)])
    }

    @Test("re-registering an unchanged job keeps its version; a changed one gets the next version")
    func jobVersions() throws {
        var script = Script()
        var job = Fixture.pluginJob("j", plugin: "foo", role: "node", count: 1)
        script.register(job)
        script.register(job)
        var stored = try #require(script.state.job(namespace: "default", id: "j"))
        #expect(stored.version == 0)
        #expect(stored.jobModifyIndex == 1)
        #expect(stored.modifyIndex == 2)
        job.taskGroups[0].count = 3
        script.register(job)
        stored = try #require(script.state.job(namespace: "default", id: "j"))
        #expect(stored.version == 1)
        #expect(stored.jobModifyIndex == 3)
        #expect(stored.status == "pending")
        #expect(stored.submitTime == Fixture.time)
    }

    @Test("a node re-registration keeps the status the servers hold")
    func reRegistrationKeepsStatus() throws {
        var script = Script()
        script.register(Fixture.node("n0", status: "initializing"))
        script.setStatus("n0", "ready")
        script.register(Fixture.node("n0", status: "initializing"))
        #expect(try #require(script.state.node(id: "n0")).status == "ready")
    }

    @Test("a node registration with another node's secret is refused and changes nothing")
    func secretMismatch() throws {
        var script = Script()
        script.register(Fixture.node("n0"))
        var impostor = Fixture.node("n0", nodes: [Fixture.nodePlugin("foo")])
        impostor.secretID = "stolen"
        let applied = script.register(impostor)
        #expect(applied.result == .failure(.nodeSecretMismatch("n0")))
        #expect(applied.changes.isEmpty)
        #expect(script.state.plugin(id: "foo") == nil)
        #expect(try #require(script.state.node(id: "n0")).modifyIndex == 1)
        #expect(script.state.index == 2)
    }

    @Test("a status update or purge of an unknown node is refused")
    func unknownNode() {
        var script = Script()
        #expect(script.setStatus("ghost", "ready").result == .failure(.nodeNotFound("ghost")))
        #expect(script.purgeNode("ghost").result == .failure(.nodeNotFound("ghost")))
        #expect(script.state.tableIndex(.nodes) == 0)
    }

    @Test("deregistering an unknown job succeeds and changes nothing")
    func unknownJob() {
        var script = Script()
        let applied = script.deregisterJob("ghost", purge: true)
        #expect(applied.result == .success(.jobDeregistered(jobModifyIndex: 0)))
        #expect(applied.changes.isEmpty)
    }

    @Test("purging a job removes it and its summary")
    func purge() {
        var script = Script()
        script.register(Fixture.pluginJob("j", plugin: "foo", role: "node", count: 1))
        script.deregisterJob("j", purge: true)
        #expect(script.state.job(namespace: "default", id: "j") == nil)
        #expect(script.state.jobSummary(namespace: "default", id: "j") == nil)
        #expect(script.state.tableIndex(.jobs) == 2)
    }

    @Test("the same log applied twice gives the same state")
    func determinism() {
        let commands = Fixture.randomCommands(count: 300, seed: 7)
        func run() -> [String] {
            var script = Script()
            for command in commands {
                script.apply(command)
                for id in script.state.pluginIDs() {
                    #expect(script.state.pluginModifyIndex(id: id) == script.state.pluginSummary(id: id)?.modifyIndex)
                }
            }
            let state = script.state
            return state.pluginIDs().map { id in
                let s = state.pluginSummary(id: id)!
                return "\(id) \(s.controllersHealthy)/\(s.controllersExpected) \(s.nodesHealthy)/\(s.nodesExpected) \(s.modifyIndex) \(s.jobIDs)"
            } + state.nodes().map { "\($0.id) \($0.status) \($0.modifyIndex)" }
        }
        let first = run()
        #expect(!first.isEmpty)
        #expect(first == run())
    }
}

extension Job {
    var canonicalized: Job {
        var job = self
        job.canonicalize()
        return job
    }
}
