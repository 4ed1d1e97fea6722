import CaravanEvents
import CaravanServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Every route × every kind of caller, from one table: `testdata/acl/route-matrix.txt`.
///
/// Each row expands into cases: no token; for each way to fall short of the requirement, a token
/// that has everything else; for each way to meet it, a token with exactly that; a management
/// token. Each case runs on a fresh agent with ACLs enabled and the table's fixture.
struct ACLMatrixTests {
    static let table = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("testdata/acl/route-matrix.txt")

    /// One row of the table.
    struct Route: CustomStringConvertible, Sendable {
        var method: HTTPRequest.Method
        var path: String
        var body: String
        var requirement: String
        var status: Int
        var description: String { "\(method) \(path)" }
    }

    /// One caller of one route, and the status it must get.
    struct Case: CustomStringConvertible, Sendable {
        enum Caller: Sendable {
            case none
            case management
            /// A client token with a policy of these rules.
            case client(String)
            /// The fixture's client token.
            case fixtureToken
        }
        var name: String
        var caller: Caller
        var status: Int
        var description: String { name }
    }

    static func routes() throws -> [Route] {
        try String(contentsOf: table, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), !line.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count == 5, let status = Int(fields[4]) else { throw MatrixError.badRow(String(line)) }
            return Route(method: HTTPRequest.Method(fields[0])!, path: fields[1], body: fields[2], requirement: fields[3], status: status)
        }
    }

    enum MatrixError: Error { case badRow(String) }

    // MARK: Expanding a requirement into cases

    static let allNamespaceCapabilities = [
        "list-jobs", "parse-job", "read-job", "submit-job", "register-job", "deregister-job", "purge-job", "dispatch-job",
        "read-logs", "read-fs", "alloc-exec", "alloc-node-exec", "alloc-lifecycle", "sentinel-override", "csi-register-plugin",
        "csi-write-volume", "csi-read-volume", "csi-list-volume", "csi-mount-volume", "csi-access", "list-scaling-policies",
        "read-scaling-policy", "read-job-scaling", "scale-job", "submit-recommendation", "host-volume-create",
        "host-volume-register", "host-volume-read", "host-volume-write", "host-volume-delete",
    ]

    /// Rules granting everything a client token can have, less `missing` (terms such as
    /// `ns:read-job` or `node:write`).
    static func everythingBut(_ missing: Set<String>, deniedNamespace: String? = nil) -> String {
        let capabilities = allNamespaceCapabilities.filter { !missing.contains("ns:" + $0) }
        var rules = "namespace \"*\" { capabilities = [\(capabilities.map { "\"\($0)\"" }.joined(separator: ", "))] }\n"
        if let deniedNamespace { rules += "namespace \"\(deniedNamespace)\" { policy = \"deny\" }\n" }
        let levels = [("plugin", "read"), ("node", "write"), ("agent", "write"), ("operator", "write")]
        for (block, level) in levels {
            rules += "\(block) { policy = \"\(lowered(block, level, missing))\" }\n"
        }
        return rules
    }

    /// The strongest level of `block` that does not meet any `missing` term on it.
    static func lowered(_ block: String, _ level: String, _ missing: Set<String>) -> String {
        let order = block == "plugin" ? ["deny", "list", "read", "write"] : ["deny", "read", "write"]
        let needed = missing.compactMap { term -> Int? in
            let parts = term.split(separator: ":").map(String.init)
            return parts[0] == block ? order.firstIndex(of: parts[1]) : nil
        }.min()
        guard let needed else { return level }
        return order[needed - 1]
    }

    /// Rules granting exactly `terms`.
    static func exactly(_ terms: [String]) -> String {
        let capabilities = terms.filter { $0.hasPrefix("ns:") }.map { "\"\($0.dropFirst(3))\"" }
        var rules = capabilities.isEmpty ? "" : "namespace \"*\" { capabilities = [\(capabilities.joined(separator: ", "))] }\n"
        for term in terms where !term.hasPrefix("ns:") {
            let parts = term.split(separator: ":")
            rules += "\(parts[0]) { policy = \"\(parts[1])\" }\n"
        }
        return rules
    }

    static func cases(for route: Route) -> [Case] {
        let success = route.status
        let requirement = route.requirement
        var cases: [Case] = [Case(name: "no token", caller: .none, status: requirement == "-" ? success : 403)]
        switch requirement {
        case "-":
            cases.append(Case(name: "a client token", caller: .fixtureToken, status: success))
        case "management":
            cases.append(Case(name: "a client token with every capability", caller: .client(everythingBut([])), status: 403))
        case "holder":
            cases.append(Case(name: "a client token with every capability but not the policy", caller: .client(everythingBut([])), status: 403))
            cases.append(Case(name: "the token holding the policy", caller: .fixtureToken, status: success))
        case "own-token":
            cases.append(Case(name: "another client token with every capability", caller: .client(everythingBut([])), status: 403))
            cases.append(Case(name: "the token itself", caller: .fixtureToken, status: success))
        case let anyOf where anyOf.hasPrefix("ns-any:"):
            let namespace = String(anyOf.dropFirst("ns-any:".count))
            cases.append(Case(name: "everything but \(namespace)", caller: .client(everythingBut([], deniedNamespace: namespace)), status: 403))
            cases.append(
                Case(
                    name: "list-jobs in \(namespace)", caller: .client("namespace \"\(namespace)\" { capabilities = [\"list-jobs\"] }"),
                    status: success))
        default:
            // All of the `+` terms; each term met by any of its `|` alternatives.
            let terms = requirement.split(separator: "+").map { $0.split(separator: "|").map(String.init) }
            for term in terms {
                let name = term.joined(separator: "|")
                cases.append(Case(name: "everything but \(name)", caller: .client(everythingBut(Set(term))), status: 403))
            }
            var exact: [[String]] = []
            for (position, term) in terms.enumerated() {
                for alternative in term {
                    var choice = terms.map { $0[0] }
                    choice[position] = alternative
                    if !exact.contains(choice) { exact.append(choice) }
                }
            }
            for choice in exact {
                cases.append(Case(name: "exactly \(choice.joined(separator: "+"))", caller: .client(exactly(choice)), status: success))
            }
        }
        cases.append(Case(name: "management", caller: .management, status: success))
        return cases
    }

    // MARK: Running a case

    /// The named request bodies, as JSON.
    static func body(named name: String) throws -> Data? {
        guard let object = bodies[name] else { return nil }
        return try JSONSerialization.data(withJSONObject: object)
    }

    static var bodies: [String: [String: Any]] {
        [
            "job": ["Job": plainJob("api")],
            "plugin-job": ["Job": Body.pluginJob("plugin-api", plugin: "bar", role: "node")],
            "volume-job": [
                "Job": plainJob("db", volumes: ["data": ["Name": "data", "Type": "csi", "Source": "vol-1", "AccessMode": "single-node-writer"]])
            ],
            "override-job": ["Job": plainJob("api"), "PolicyOverride": true],
            "node": ["Node": Body.node("n9")],
            "status": ["Status": "ready"],
            "policy": ["Name": "extra", "Rules": "node { policy = \"read\" }"],
            "token": ["Name": "t", "Type": "client", "Policies": ["fixture"]],
            "namespace": ["Name": "staging"],
            "volume": ["Volumes": [volume("vol2")]],
            "prod-volume": ["Volumes": [volume("vol3", namespace: "prod")]],
            "override-volume": ["Volumes": [volume("vol4")], "PolicyOverride": true],
            "claim": ["AllocationID": "a1", "NodeID": "n1", "Claim": 0, "AccessMode": "multi-node-single-writer", "AttachmentMode": "file-system"],
        ]
    }

    static func volume(_ id: String, namespace: String? = nil) -> [String: Any] {
        var volume: [String: Any] = [
            "ID": id, "PluginID": "foo", "RequestedCapabilities": [["AccessMode": "multi-node-single-writer", "AttachmentMode": "file-system"]],
        ]
        if let namespace { volume["Namespace"] = namespace }
        return volume
    }

    static func plainJob(_ id: String, volumes: [String: Any]? = nil) -> [String: Any] {
        var group: [String: Any] = ["Name": "g", "Tasks": [["Name": "t", "Driver": "docker"]]]
        if let volumes { group["Volumes"] = volumes }
        return ["ID": id, "Datacenters": ["dc1"], "TaskGroups": [group]]
    }

    /// The status `caller` gets for `route` on a fresh agent with the fixture.
    static func run(_ route: Route, as caller: Case.Caller) async throws -> Int {
        let agent = TestAgent(aclEnabled: true)
        return try await agent.run { client in
            let fixture = try await ACLFixture.make(client)
            let secret: String?
            switch caller {
            case .none: secret = nil
            case .management: secret = fixture.management
            case .fixtureToken: secret = fixture.clientSecret
            case .client(let rules): secret = try await fixture.token(rules, client)
            }
            let path = route.path.replacingOccurrences(of: "{fixture-token}", with: fixture.clientAccessor)
            let body = try body(named: route.body)
            // An event stream runs until the server stops: once one opens, end it as a stopping
            // server does, so that its status can be read.
            let streamEnder = Task {
                while agent.agent.node.events.streamCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
                agent.agent.node.events.close()
            }
            defer { streamEnder.cancel() }
            let response = try await client.send(route.method, path, token: secret, body: body)
            return Int(response.status.code)
        }
    }

    @Test("every route answers every kind of caller as the table says", arguments: try routes())
    func matrix(route: Route) async throws {
        for check in Self.cases(for: route) {
            let status = try await Self.run(route, as: check.caller)
            #expect(status == check.status, "\(route) as \(check.name)")
        }
    }

}

/// The matrix's fixture, made with the management token from bootstrap.
struct ACLFixture {
    var management: String
    var clientSecret: String
    var clientAccessor: String

    static func make(_ client: any TestClientProtocol) async throws -> ACLFixture {
        let bootstrap = try await client.send(.put, "/v1/acl/bootstrap", token: nil, body: nil)
        let management = try #require(try bootstrap.object["SecretID"] as? String)
        func put(_ path: String, _ body: [String: Any]) async throws -> TestResponse {
            let response = try await client.send(.put, path, token: management, body: try JSONSerialization.data(withJSONObject: body))
            #expect(response.status == .ok, "\(path): \(response.text)")
            return response
        }
        _ = try await put("/v1/namespace/prod", ["Name": "prod"])
        _ = try await put("/v1/node/register", ["Node": Body.node("n0", controllers: [Body.controller("foo")])])
        _ = try await put("/v1/node/register", ["Node": Body.node("n1", nodes: [Body.nodePlugin("foo")])])
        _ = try await put("/v1/jobs", ["Job": Body.pluginJob("web", plugin: "foo", role: "node")])
        _ = try await put("/v1/volumes", ["Volumes": [ACLMatrixTests.volume("vol")]])
        _ = try await put(
            "/v1/volume/csi/vol/claim",
            ["AllocationID": "a0", "NodeID": "n1", "Claim": 1, "AccessMode": "multi-node-single-writer", "AttachmentMode": "file-system"])
        _ = try await put("/v1/acl/policy/fixture", ["Name": "fixture", "Rules": "node { policy = \"read\" }"])
        let token = try await put("/v1/acl/token", ["Name": "fixture-token", "Type": "client", "Policies": ["fixture"]]).object
        return ACLFixture(
            management: management, clientSecret: try #require(token["SecretID"] as? String),
            clientAccessor: try #require(token["AccessorID"] as? String))
    }

    /// A new client token with one new policy of `rules`; its secret.
    func token(_ rules: String, _ client: any TestClientProtocol) async throws -> String {
        let name = "case-\(UUID().uuidString.prefix(8))"
        let policy = try JSONSerialization.data(withJSONObject: ["Name": name, "Rules": rules])
        let created = try await client.send(.put, "/v1/acl/policy/\(name)", token: management, body: policy)
        #expect(created.status == .ok, "policy: \(created.text)")
        let body = try JSONSerialization.data(withJSONObject: ["Name": name, "Type": "client", "Policies": [name]])
        let token = try await client.send(.put, "/v1/acl/token", token: management, body: body)
        return try #require(try token.object["SecretID"] as? String)
    }
}

extension TestClientProtocol {
    /// A request with `X-Nomad-Token: token` when one is given.
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String?, body: Data?) async throws -> TestResponse {
        var headers = HTTPFields()
        if let token { headers[HTTPField.Name("X-Nomad-Token")!] = token }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
    }
}
