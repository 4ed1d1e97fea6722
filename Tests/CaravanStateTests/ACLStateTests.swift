import CaravanModel
import CaravanTestSupport
import Testing

@testable import CaravanState

/// The ACL tables and namespaces as the state machine keeps them.
struct ACLStateTests {
    static func token(_ accessor: String, secret: String, type: String = "client", policies: [String] = ["p"]) -> ACLToken {
        ACLToken(accessorID: accessor, secretID: secret, name: accessor, type: type, policies: policies, createTime: Fixture.time)
    }

    @Test("bootstrap happens once; the second is refused with the first's index and changes nothing")
    func bootstrapOnce() {
        var script = Script()
        let first = script.apply(.aclBootstrap(Self.token("root", secret: "s1", type: "management", policies: [])))
        guard case .success(.aclTokens(let stored)) = first.result else { Issue.record("bootstrap refused"); return }
        #expect(stored.first?.createIndex == first.index)
        #expect(script.state.aclBootstrapIndex == first.index)
        let second = script.apply(.aclBootstrap(Self.token("root2", secret: "s2", type: "management", policies: [])))
        guard case .failure(let error) = second.result else { Issue.record("second bootstrap applied"); return }
        #expect(error.description == "ACL bootstrap already done (reset index: \(first.index))")
        #expect(second.changes.isEmpty)
        #expect(script.state.aclToken(accessorID: "root2") == nil)
        #expect(script.state.aclTokens().map(\.accessorID) == ["root"])
        #expect(script.state.tableIndex(.aclTokens) == first.index)
        #expect(script.state.aclBootstrapIndex == first.index)
    }

    @Test("a token is found by its secret, and no longer once deleted")
    func lookupBySecret() {
        var script = Script()
        script.apply(.aclTokenUpsert(ACLTokenUpsert(tokens: [Self.token("a", secret: "secret-a")], isUpdate: false)))
        #expect(script.state.aclToken(secretID: "secret-a")?.accessorID == "a")
        #expect(script.state.aclToken(secretID: "secret-b") == nil)
        #expect(script.state.aclToken(secretID: "secret-") == nil)
        #expect(script.state.aclToken(secretID: "") == nil)
        let deleted = script.apply(.aclTokenDelete(["a"]))
        #expect(deleted.changes.contains(.table(.aclTokens)))
        #expect(script.state.aclToken(secretID: "secret-a") == nil)
    }

    @Test("an update keeps the token's secret and creation; an update of a vanished token is refused")
    func tokenUpdate() {
        var script = Script()
        let created = script.apply(.aclTokenUpsert(ACLTokenUpsert(tokens: [Self.token("a", secret: "kept")], isUpdate: false)))
        var changed = Self.token("a", secret: "replaced", policies: ["q"])
        changed.createTime = 0
        let updated = script.apply(.aclTokenUpsert(ACLTokenUpsert(tokens: [changed], isUpdate: true)))
        let token = script.state.aclToken(accessorID: "a")
        #expect(token?.secretID == "kept" && token?.policies == ["q"] && token?.createTime == Fixture.time)
        #expect(token?.createIndex == created.index && token?.modifyIndex == updated.index)
        #expect(script.state.aclToken(secretID: "replaced") == nil)
        let missing = script.apply(.aclTokenUpsert(ACLTokenUpsert(tokens: [Self.token("gone", secret: "x")], isUpdate: true)))
        #expect(missing.result.failure == .aclTokenNotFound("gone"))
        #expect(script.state.aclToken(accessorID: "gone") == nil)
    }

    @Test("a snapshot restores the ACL tables, and finding tokens by secret with them")
    func restore() throws {
        var script = Script()
        script.apply(.aclPolicyUpsert([ACLPolicy(name: "p", rules: "node { policy = \"read\" }")]))
        script.apply(.aclTokenUpsert(ACLTokenUpsert(tokens: [Self.token("a", secret: "secret-a")], isUpdate: false)))
        script.createNamespaces("prod")
        let restored = try StateVersion(decoding: script.state.encoded())
        #expect(restored.aclToken(secretID: "secret-a")?.accessorID == "a")
        #expect(restored.aclPolicy(name: "p")?.rules == "node { policy = \"read\" }")
        #expect(restored.namespaces().map(\.name) == ["default", "prod"])
        #expect(restored.tableIndex(.aclTokens) == script.state.tableIndex(.aclTokens))
        #expect(restored.stateHash == script.state.stateHash)
    }

    @Test("a job in a namespace that does not exist is refused; default always exists")
    func jobNamespace() {
        var script = Script()
        let refused = script.register(Fixture.pluginJob("web", plugin: "p", role: "node", namespace: "prod"))
        #expect(refused.result.failure == .nonexistentNamespace(jobID: "web", namespace: "prod"))
        #expect(script.state.job(namespace: "prod", id: "web") == nil && script.state.plugin(id: "p") == nil)
        script.createNamespaces("prod")
        #expect(script.register(Fixture.pluginJob("web", plugin: "p", role: "node", namespace: "prod")).result.failure == nil)
        #expect(script.register(Fixture.pluginJob("api", plugin: "p", role: "node")).result.failure == nil)
    }

    @Test("a job registered by a format 1 entry, written before namespaces, is kept in a namespace that does not exist")
    func legacyJob() throws {
        var script = Script()
        var bytes = Command.jobRegister(JobRegistration(job: Fixture.pluginJob("web", plugin: "p", role: "node", namespace: "prod"), submitTime: 1))
            .encoded()
        bytes[0] = 1
        let applied = script.machine.apply(index: 1, data: bytes)
        #expect(applied.result.failure == nil)
        #expect(script.state.job(namespace: "prod", id: "web") != nil)
        #expect(script.state.namespace(name: "prod") == nil)
        #expect(try StateVersion(decoding: script.state.encoded()).stateHash == script.state.stateHash)
    }

    @Test("a new token whose secret is already another token's is refused; a secret names one token")
    func secretInUse() {
        var script = Script()
        script.apply(.aclTokenUpsert(ACLTokenUpsert(tokens: [Self.token("a", secret: "shared")], isUpdate: false)))
        let clash = script.apply(.aclTokenUpsert(ACLTokenUpsert(tokens: [Self.token("b", secret: "shared")], isUpdate: false)))
        #expect(clash.result.failure == .aclSecretInUse(accessorID: "b"))
        let pair = script.apply(
            .aclTokenUpsert(ACLTokenUpsert(tokens: [Self.token("c", secret: "twin"), Self.token("d", secret: "twin")], isUpdate: false)))
        #expect(pair.result.failure == .aclSecretInUse(accessorID: "d"))
        #expect(script.state.aclTokens().map(\.accessorID) == ["a"])
        let bootstrap = script.apply(.aclBootstrap(Self.token("root", secret: "shared", type: "management", policies: [])))
        #expect(bootstrap.result.failure == .aclSecretInUse(accessorID: "root"))
        #expect(script.state.aclBootstrapIndex == 0)
        var renamed = Self.token("a", secret: "ignored")
        renamed.name = "renamed"
        #expect(script.apply(.aclTokenUpsert(ACLTokenUpsert(tokens: [renamed], isUpdate: true))).result.failure == nil)
    }

    @Test("a namespace holding a job cannot be deleted, nor can default; an empty one can")
    func namespaceDelete() {
        var script = Script()
        script.createNamespaces("prod", "dev")
        script.register(Fixture.pluginJob("web", plugin: "p", role: "node", namespace: "prod"))
        let refused = script.apply(.namespaceDelete(["dev", "prod"]))
        #expect(refused.result.failure == .namespaceHasJobs(namespace: "prod", jobID: "web"))
        #expect(script.state.namespace(name: "dev") != nil, "a refused command deletes none of its namespaces")
        #expect(script.apply(.namespaceDelete(["default"])).result.failure == .defaultNamespaceDelete)
        script.deregisterJob("web", purge: true, namespace: "prod")
        #expect(script.apply(.namespaceDelete(["dev", "prod"])).result.failure == nil)
        #expect(script.state.namespaces().map(\.name) == ["default"])
    }

    @Test("an operator's description of default replaces the built-in one and keeps its creation index")
    func describeDefault() {
        var script = Script()
        let applied = script.apply(.namespaceUpsert([Namespace(name: "default", description: "shared")]))
        let stored = script.state.namespace(name: "default")
        #expect(stored?.description == "shared" && stored?.createIndex == 1 && stored?.modifyIndex == applied.index)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
