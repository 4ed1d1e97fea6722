import CaravanModel
import CaravanTestSupport
import Foundation
import Testing

@testable import CaravanState

/// Applying a committed entry never traps: whatever a proposer wrote, every replica either
/// applies it or refuses it the same way, and the state stays encodable and readable.
@Suite(.ownThread)
struct TotalApplyTests {
    @Test("a job whose groups' counts add up past Int.max applies, and its plugin expects Int.max instances")
    func countsSaturate() throws {
        var script = Script()
        var job = Fixture.pluginJob("overflow", plugin: "ebs", role: "node", count: .max)
        job.taskGroups.append(TaskGroup(name: "more", count: 1, tasks: job.taskGroups[0].tasks))
        #expect(script.register(job).result.isSuccess)
        #expect(script.register(Fixture.pluginJob("second", plugin: "ebs", role: "monolith", count: .max)).result.isSuccess)
        let summary = try #require(script.state.pluginSummary(id: "ebs"))
        #expect(summary.nodesExpected == .max)
        #expect(summary.controllersExpected == .max)
        #expect(JSONWriter.encode(try #require(script.state.plugin(id: "ebs"))).count > 0)
    }

    @Test("a task group with a negative count is refused and changes nothing but the applied index")
    func negativeCountRefused() {
        var script = Script()
        let before = script.state.encoded()
        let applied = script.register(Fixture.pluginJob("j", plugin: "ebs", role: "node", count: -3))
        #expect(applied.result.failure == .invalidCommand("task group plugin has a negative count"))
        #expect(applied.changes.isEmpty)
        #expect(script.state.job(namespace: "default", id: "j") == nil)
        #expect(script.state.pluginCount == 0)
        var untouched = try! StateVersion(decoding: before)
        untouched.index = 1
        #expect(untouched.encoded() == script.state.encoded())
    }

    @Test("a token upsert that names one accessor twice is refused (one command holds one version of each token)")
    func duplicateAccessorsRefused() {
        var script = Script()
        let first = ACLToken(accessorID: "a1", secretID: "s1", type: ACLToken.client, createTime: 0)
        var second = first
        second.secretID = "s2"
        let applied = script.apply(.aclTokenUpsert(ACLTokenUpsert(tokens: [first, second], isUpdate: false)))
        #expect(applied.result.failure == .invalidCommand("ACL token a1 appears twice"))
        #expect(script.state.aclTokens().isEmpty)
    }

    @Test("a bootstrap token that reuses a stored token's accessor is refused: the replaced token's secret would still point at it, on this replica and not on one restored from a snapshot")
    func bootstrapCannotReplaceAToken() {
        var script = Script()
        script.apply(.aclTokenUpsert(ACLTokenUpsert(tokens: [ACLToken(accessorID: "a1", secretID: "s1", type: "client", createTime: 0)], isUpdate: false)))
        let applied = script.apply(.aclBootstrap(ACLToken(accessorID: "a1", secretID: "s2", type: ACLToken.management, createTime: 0)))
        #expect(applied.result.failure == .invalidCommand("ACL token a1 already exists"))
        #expect(script.state.aclToken(secretID: "s1")?.accessorID == "a1")
        #expect(script.state.aclToken(secretID: "s2") == nil)
        #expect(script.state.aclBootstrapIndex == 0)
    }

    @Test("commands with IDs the state keys by cannot be empty")
    func emptyIDsRefused() {
        var script = Script()
        #expect(script.register(Node(id: "")).result.failure == .invalidCommand("node ID is empty"))
        #expect(script.apply(.namespaceUpsert([Namespace(name: "")])).result.failure == .invalidCommand("namespace name is empty"))
        #expect(script.apply(.aclPolicyUpsert([ACLPolicy(name: "", rules: "")])).result.failure == .invalidCommand("ACL policy name is empty"))
        #expect(script.state.index == 3)
        #expect(script.state.nodeCount == 0)
    }

    /// The property test: long scripts of arbitrary commands from many seeds. `CARAVAN_SOAK=1`
    /// runs a hundred times as many.
    @Test("arbitrary commands never trap, and every state re-encodes, renders and agrees with a replica that restored a snapshot half-way")
    func arbitraryScripts() {
        let seeds: UInt64 = ProcessInfo.processInfo.environment["CARAVAN_SOAK"] == nil ? 150 : 15_000
        for seed in 1...seeds {
            var commands = ArbitraryCommands(source: SplitMix64(seed: seed))
            let script = (0..<200).map { _ in commands.next() }
            let restoreAfter = commands.below(script.count + 1)
            let violation = ApplyProperties.violation(of: script, restoreAfter: restoreAfter)
            #expect(violation == nil, "seed \(seed): \(violation ?? "")")
            if violation != nil { return }
        }
    }
}
