import CaravanAdmission
import CaravanModel
import CaravanServer
import CaravanState
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// ACLs and namespaces as operators use them: the reference's scenarios 2 and 11 adapted to the
/// routes Caravan serves, and the edges of tokens and namespaces.
struct ACLScenarioTests {
    /// Runs `body` on an agent with ACLs enabled and the matrix's fixture.
    func withFixture(_ body: @Sendable @escaping (any TestClientProtocol, ACLFixture) async throws -> Void) async throws {
        try await TestAgent(aclEnabled: true).run { client in
            try await body(client, try await ACLFixture.make(client))
        }
    }

    @Test("scenario 2: plugin read with read-job reads the plugin; plugin list only lists it; once its nodes are gone it is not found")
    func pluginACL() async throws {
        try await withFixture { client, fixture in
            let reader = try await fixture.token(
                "plugin { policy = \"read\" }\nnamespace \"default\" { capabilities = [\"read-job\"] }", client)
            let lister = try await fixture.token("plugin { policy = \"list\" }", client)
            #expect(try await client.send(.get, "/v1/plugin/csi/foo", token: reader, body: nil).status == .ok)
            #expect(try await client.send(.get, "/v1/plugin/csi/foo", token: lister, body: nil).status == .forbidden)
            let listed = try await client.send(.get, "/v1/plugins?type=csi", token: lister, body: nil)
            #expect(try listed.array.count == 1)
            for node in ["n0", "n1"] {
                #expect(try await client.send(.put, "/v1/node/\(node)/purge", token: fixture.management, body: nil).status == .ok)
            }
            #expect(try await client.send(.delete, "/v1/job/web?purge=true", token: fixture.management, body: nil).status == .ok)
            let gone = try await client.send(.get, "/v1/plugin/csi/foo", token: reader, body: nil)
            #expect(gone.status == .notFound)
            #expect(gone.text == "plugin not found")
        }
    }

    @Test("scenario 11 adapted: a job is authorized in its own namespace, not the request's; it is then readable and deregisterable")
    func registerInJobNamespace() async throws {
        try await withFixture { client, fixture in
            _ = try await client.send(.put, "/v1/namespace/other", token: fixture.management, body: Self.json(["Name": "other"]))
            let tokenA = try await fixture.token("namespace \"other\" { capabilities = [\"submit-job\"] }", client)
            let tokenB = try await fixture.token(
                """
                namespace "prod" { capabilities = ["submit-job", "read-job", "csi-access", "csi-register-plugin"] }
                namespace "default" { capabilities = ["submit-job"] }
                """, client)
            var job = ACLMatrixTests.plainJob("web-prod")
            job["Namespace"] = "prod"
            let denied = try await client.send(.put, "/v1/jobs?namespace=default", token: tokenA, body: Self.json(["Job": job]))
            #expect(denied.status == .forbidden)
            #expect(denied.text == "Permission denied")
            let accepted = try await client.send(.put, "/v1/jobs?namespace=default", token: tokenB, body: Self.json(["Job": job]))
            #expect(accepted.status == .ok)
            let reply = try accepted.object
            #expect((reply["JobModifyIndex"] as? Int ?? 0) > 0 && reply["Warnings"] as? String == "")
            let read = try await client.send(.get, "/v1/job/web-prod?namespace=prod", token: tokenB, body: nil)
            #expect(read.status == .ok)
            #expect(try read.object["JobModifyIndex"] as? Int == reply["JobModifyIndex"] as? Int)
            #expect(try read.object["Namespace"] as? String == "prod")

            var pluginJob = Body.pluginJob("web-prod", plugin: "bar", role: "node")
            pluginJob["Namespace"] = "prod"
            let withPlugin = try await client.send(.put, "/v1/jobs", token: tokenA, body: Self.json(["Job": pluginJob]))
            #expect(withPlugin.status == .forbidden)
            #expect(try await client.send(.put, "/v1/jobs", token: tokenB, body: Self.json(["Job": pluginJob])).status == .ok)
            let deregister = try await client.send(.delete, "/v1/job/web-prod?namespace=prod&purge=true", token: tokenB, body: nil)
            #expect(deregister.status == .ok)
            #expect(try await client.send(.get, "/v1/job/web-prod?namespace=prod", token: tokenB, body: nil).status == .notFound)
        }
    }

    @Test("no token means the anonymous policy: nothing until an operator creates one named anonymous")
    func anonymousPolicy() async throws {
        try await withFixture { client, fixture in
            #expect(try await client.send(.get, "/v1/jobs", token: nil, body: nil).status == .forbidden)
            let policy = Self.json(["Name": "anonymous", "Rules": "namespace \"default\" { policy = \"read\" }"])
            #expect(try await client.send(.put, "/v1/acl/policy/anonymous", token: fixture.management, body: policy).status == .ok)
            let jobs = try await client.send(.get, "/v1/jobs", token: nil, body: nil)
            #expect(jobs.status == .ok)
            #expect(try jobs.array.count == 1)
            #expect(try await client.send(.put, "/v1/jobs", token: nil, body: Self.json(["Job": ACLMatrixTests.plainJob("x")])).status == .forbidden)
            let me = try await client.send(.get, "/v1/acl/token/self", token: nil, body: nil)
            #expect(try me.object["AccessorID"] as? String == "anonymous")
        }
    }

    @Test("Authorization: Bearer works as X-Nomad-Token does; an unknown or deleted token is refused without naming it")
    func tokenHeaders() async throws {
        try await withFixture { client, fixture in
            var headers = HTTPFields()
            headers[.authorization] = "bearer  \(fixture.clientSecret) "
            #expect(try await client.execute(uri: "/v1/nodes", method: .get, headers: headers, body: nil).status == .ok)
            let unknown = try await client.send(.get, "/v1/nodes", token: "not-a-real-secret", body: nil)
            #expect(unknown.status == .forbidden)
            #expect(unknown.text == "Permission denied")
            let deleted = try await client.send(.delete, "/v1/acl/token/\(fixture.clientAccessor)", token: fixture.management, body: nil)
            #expect(deleted.status == .ok)
            let after = try await client.send(.get, "/v1/nodes", token: fixture.clientSecret, body: nil)
            #expect(after.status == .forbidden)
            #expect(!after.text.contains(fixture.clientSecret))
            let selfUnknown = try await client.send(.get, "/v1/acl/token/self", token: fixture.clientSecret, body: nil)
            #expect(selfUnknown.status == .forbidden && selfUnknown.text == "ACL token not found")
            let list = try await client.send(.get, "/v1/acl/tokens", token: fixture.management, body: nil)
            #expect(!list.text.contains("SecretID"))
        }
    }

    @Test("namespace=* lists jobs only in the namespaces the token may list; the namespace list shows only usable ones")
    func wildcardFiltering() async throws {
        try await withFixture { client, fixture in
            var job = ACLMatrixTests.plainJob("prod-api")
            job["Namespace"] = "prod"
            #expect(try await client.send(.put, "/v1/jobs", token: fixture.management, body: Self.json(["Job": job])).status == .ok)
            let defaultOnly = try await fixture.token("namespace \"default\" { policy = \"read\" }", client)
            let ids = try await client.send(.get, "/v1/jobs?namespace=*", token: defaultOnly, body: nil).array
                .compactMap { ($0 as? [String: Any])?["ID"] as? String }
            #expect(ids == ["web"])
            let all = try await client.send(.get, "/v1/jobs?namespace=*", token: fixture.management, body: nil).array
            #expect(all.count == 2)
            #expect(try await client.send(.get, "/v1/jobs?namespace=prod", token: defaultOnly, body: nil).status == .forbidden)
            let namespaces = try await client.send(.get, "/v1/namespaces", token: defaultOnly, body: nil).array
                .compactMap { ($0 as? [String: Any])?["Name"] as? String }
            #expect(namespaces == ["default"])
            let plugins = try await client.send(.get, "/v1/csi/plugins", token: defaultOnly, body: nil).array
            #expect((plugins.first as? [String: Any])?["JobIDs"] as? [String: [String]] == ["default": ["web"]])
        }
    }

    @Test("a token with an ExpirationTTL works until then and is refused after")
    func expiration() async throws {
        let now = Atomic<Int64>(TestAgent.clockTime)
        try await TestAgent(aclEnabled: true, clock: { now.load(ordering: .relaxed) }).run { client in
            let fixture = try await ACLFixture.make(client)
            let body = Self.json(["Name": "short", "Type": "client", "Policies": ["fixture"], "ExpirationTTL": "1h"])
            let created = try await client.send(.put, "/v1/acl/token", token: fixture.management, body: body)
            #expect(try created.object["ExpirationTime"] as? String == "2023-11-14T23:13:20Z")
            let secret = try #require(try created.object["SecretID"] as? String)
            #expect(try await client.send(.get, "/v1/nodes", token: secret, body: nil).status == .ok)
            now.store(TestAgent.clockTime + 3_600_000_000_000, ordering: .relaxed)
            let expired = try await client.send(.get, "/v1/nodes", token: secret, body: nil)
            #expect(expired.status == .forbidden && expired.text == "ACL token expired")
            for (ttl, message) in [
                ("soon", nil), ("30s", "expiration time cannot be less than 1m0s in the future"),
                ("25h", "expiration time cannot be more than 24h0m0s in the future"),
                ("2500000h", "expiration time cannot be more than 24h0m0s in the future"),
            ] {
                let bad = Self.json(["Type": "client", "Policies": ["fixture"], "ExpirationTTL": ttl])
                let refused = try await client.send(.put, "/v1/acl/token", token: fixture.management, body: bad)
                #expect(refused.status == .badRequest, "\(ttl)")
                if let message { #expect(refused.text == message) }
            }
            let huge = Self.json(["Type": "client", "Policies": ["fixture"], "ExpirationTTL": Int64.max])
            #expect(try await client.send(.put, "/v1/acl/token", token: fixture.management, body: huge).status == .badRequest)
        }
    }

    @Test("jobs written before namespaces existed, in a namespace the table does not hold, are filtered like any other")
    func legacyNamespaceFiltering() async throws {
        var machine = StateMachine()
        var bytes = Command.jobRegister(JobRegistration(job: Self.legacyJob, submitTime: 1)).encoded()
        bytes[0] = 1
        _ = machine.apply(index: 1, data: bytes)
        _ = machine.apply(index: 2, command: .jobRegister(JobRegistration(job: Self.defaultJob, submitTime: 1)))
        _ = machine.apply(index: 3, command: .aclPolicyUpsert([ACLPolicy(name: "readers", rules: "namespace \"default\" { policy = \"read\" }")]))
        let token = ACLToken(accessorID: "a", secretID: "reader-secret", type: "client", policies: ["readers"], createTime: 1)
        _ = machine.apply(index: 4, command: .aclTokenUpsert(ACLTokenUpsert(tokens: [token], isUpdate: false)))
        try await TestAgent(node: ServerNode(readOnlyState: machine, admission: Admission(aclEnabled: true)), aclEnabled: true).run { client in
            let ids = try await client.send(.get, "/v1/jobs?namespace=*", token: "reader-secret", body: nil).array
                .compactMap { ($0 as? [String: Any])?["ID"] as? String }
            #expect(ids == ["api"])
            let plugins = try await client.send(.get, "/v1/csi/plugins", token: "reader-secret", body: nil).array
            #expect((plugins.first as? [String: Any])?["JobIDs"] as? [String: [String]] == ["default": ["api"]])
            #expect(try await client.send(.get, "/v1/jobs?namespace=prod", token: "reader-secret", body: nil).status == .forbidden)
        }
    }

    static let legacyJob: Job = {
        var job = Job(
            id: "web", namespace: "prod",
            taskGroups: [TaskGroup(name: "g", tasks: [JobTask(name: "t", csiPluginConfig: TaskCSIPluginConfig(id: "p", type: "node"))])])
        job.canonicalize()
        return job
    }()

    static let defaultJob: Job = {
        var job = legacyJob
        job.id = "api"
        job.namespace = "default"
        return job
    }()

    @Test("bootstrap works once; the second names the reset index")
    func bootstrapTwice() async throws {
        try await TestAgent(aclEnabled: true).run { client in
            let first = try await client.send(.post, "/v1/acl/bootstrap", token: nil, body: nil)
            #expect(first.status == .ok)
            let token = try first.object
            #expect(token["Type"] as? String == "management" && token["Name"] as? String == "Bootstrap Token")
            let index = try #require(first.index)
            let second = try await client.send(.put, "/v1/acl/bootstrap", token: nil, body: nil)
            #expect(second.status == .badRequest)
            #expect(second.text == "ACL bootstrap already done (reset index: \(index))")
        }
    }

    @Test("bad policies, tokens and namespaces are refused with a clear 400 and change nothing")
    func badInput() async throws {
        try await withFixture { client, fixture in
            func put(_ path: String, _ body: [String: Any]) async throws -> TestResponse {
                try await client.send(.put, path, token: fixture.management, body: Self.json(body))
            }
            let mismatch = try await put("/v1/acl/policy/ops", ["Name": "other", "Rules": ""])
            #expect(mismatch.status == .badRequest && mismatch.text == "ACL policy name does not match request path")
            let badRules = try await put("/v1/acl/policy/ops", ["Name": "ops", "Rules": "namespace \"default\" {\n  policy = \"sudo\"\n}"])
            #expect(badRules.status == .badRequest)
            #expect(badRules.text == "Failed to parse ACL policy: line 1, column 1: invalid namespace policy \"sudo\"")
            let syntax = try await put("/v1/acl/policy/ops", ["Name": "ops", "Rules": "node {\n  policy = \"read\n}"])
            #expect(syntax.status == .badRequest && syntax.text.hasPrefix("Failed to parse ACL policy: line 2, column"))
            let noPolicies = try await put("/v1/acl/token", ["Name": "t", "Type": "client"])
            #expect(noPolicies.status == .badRequest && noPolicies.text == "client token missing policies")
            let missingPolicy = try await put("/v1/acl/token", ["Type": "client", "Policies": ["nope"]])
            #expect(missingPolicy.status == .badRequest && missingPolicy.text == "cannot find policy \"nope\"")
            let badType = try await put("/v1/acl/token", ["Type": "root", "Policies": ["fixture"]])
            #expect(badType.status == .badRequest)
            let badName = try await put("/v1/namespace/a%20b", ["Name": "a b"])
            #expect(badName.status == .badRequest && badName.text == "invalid namespace name \"a b\"")
            let missing = try await put(
                "/v1/jobs", ["Job": ["ID": "x", "Namespace": "nowhere", "TaskGroups": [["Name": "g", "Tasks": [["Name": "t"]]]]]])
            #expect(missing.status == .badRequest && missing.text == "job \"x\" is in nonexistent namespace \"nowhere\"")
            let policies = try await client.send(.get, "/v1/acl/policies", token: fixture.management, body: nil).array
            #expect(policies.count == 1, "only the fixture's policy exists")
        }
    }

    @Test("a namespace that holds a job cannot be deleted, nor can default; an empty one can")
    func namespaceDeletion() async throws {
        try await withFixture { client, fixture in
            var job = ACLMatrixTests.plainJob("api")
            job["Namespace"] = "prod"
            _ = try await client.send(.put, "/v1/jobs", token: fixture.management, body: Self.json(["Job": job]))
            let held = try await client.send(.delete, "/v1/namespace/prod", token: fixture.management, body: nil)
            #expect(held.status == .badRequest)
            #expect(held.text.hasPrefix("namespace \"prod\" contains at least one job \"api\""))
            let builtIn = try await client.send(.delete, "/v1/namespace/default", token: fixture.management, body: nil)
            #expect(builtIn.status == .badRequest && builtIn.text == "default namespace can not be deleted")
            _ = try await client.send(.delete, "/v1/job/api?namespace=prod&purge=true", token: fixture.management, body: nil)
            #expect(try await client.send(.delete, "/v1/namespace/prod", token: fixture.management, body: nil).status == .ok)
            #expect(try await client.send(.get, "/v1/namespace/prod", token: fixture.management, body: nil).status == .notFound)
        }
    }

    @Test("the route's shape is checked before the token: an unknown path is 404 and a wrong method 405")
    func shapeBeforePermission() async throws {
        try await withFixture { client, _ in
            #expect(try await client.send(.get, "/v1/nowhere", token: nil, body: nil).status == .notFound)
            for path in ["/v1/acl/policy/fixture", "/v1/acl/token/x", "/v1/nodes", "/v1/namespace/prod", "/v1/operator/raft/peer"] {
                let response = try await client.send(.patch, path, token: nil, body: nil)
                #expect(response.status == .methodNotAllowed, "\(path)")
            }
        }
    }

    @Test("with ACLs disabled every request is allowed and the ACL routes say so")
    func disabled() async throws {
        try await TestAgent().run { client in
            #expect(try await client.get("/v1/nodes").status == .ok)
            let bootstrap = try await client.send(.put, "/v1/acl/bootstrap", token: nil, body: nil)
            #expect(bootstrap.status == .badRequest && bootstrap.text == "ACL support disabled")
            #expect(try await client.get("/v1/namespaces").array.count == 1)
        }
    }

    static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    }
}
