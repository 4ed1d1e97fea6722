import CaravanAdmission
import CaravanModel
import CaravanServer
import CaravanState
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// A fresh agent with a fixed clock, driven through Hummingbird's in-process test client.
struct TestAgent {
    static let clockTime: Int64 = 1_700_000_000_000_000_000
    let agent: Agent

    init(
        maxBodySize: Int = 1 << 20, node: ServerNode? = nil, aclEnabled: Bool = false,
        clock: @escaping @Sendable () -> Int64 = { TestAgent.clockTime }, eventHeartbeat: Duration = .seconds(30),
        connections: ConnectionLimits = ConnectionLimits(), https: APITLS? = nil
    ) {
        var api = APIConfiguration(maxBodySize: maxBodySize, clock: clock)
        api.eventHeartbeat = eventHeartbeat
        let node = node ?? ServerNode(admission: Admission(aclEnabled: aclEnabled), clock: clock)
        agent = Agent(
            node: node, configuration: AgentConfiguration(api: api, aclEnabled: aclEnabled, connections: connections, https: https))
    }

    var store: StateStoreView { StateStoreView(agent: agent) }

    /// The state's index now. A fresh server starts past 0: electing itself leader, it appends
    /// a no-op entry (Raft §5.4.2), so tests count their writes from here rather than from 0.
    var index: UInt64 { store.index }

    func run<Value: Sendable>(
        _ setup: TestingSetup = .router, _ test: @Sendable @escaping (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try await agent.application(logger: logger).test(setup) { client in try await test(client) }
    }
}

/// What tests look at directly on the agent's state.
struct StateStoreView {
    let agent: Agent
    var parkedCount: Int { agent.node.store.watches.parkedCount }
    var index: UInt64 { agent.node.store.state.index }

    /// Registers a node fingerprinting `plugin` without going through HTTP (the live test
    /// client holds one connection, which a parked query occupies).
    func writeDirectly(nodeWithPlugin plugin: String) async throws {
        let node = Node(
            id: "direct-\(plugin)", secretID: "s",
            csiNodePlugins: [plugin: CSIInfo(pluginID: plugin, healthy: true, nodeInfo: CSINodeInfo(id: "x"))]
        )
        _ = try await agent.node.submit(.nodeRegister(NodeRegistration(node: node, time: TestAgent.clockTime)))
    }
}

extension TestClientProtocol {
    func get(_ uri: String) async throws -> TestResponse {
        try await execute(uri: uri, method: .get)
    }

    func put(_ uri: String, json: String, method: HTTPRequest.Method = .put) async throws -> TestResponse {
        try await execute(uri: uri, method: method, body: ByteBuffer(string: json))
    }

    func put(_ uri: String, body: [String: Any], method: HTTPRequest.Method = .put) async throws -> TestResponse {
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await execute(uri: uri, method: method, body: ByteBuffer(bytes: data))
    }

    /// Registers a node through the client seam; expects 200.
    @discardableResult
    func registerNode(_ node: [String: Any]) async throws -> TestResponse {
        let response = try await put("/v1/node/register", body: ["Node": node])
        #expect(response.status == .ok, "\(response.text)")
        return response
    }

    /// Creates namespaces (jobs outside `default` need theirs); expects 200.
    func createNamespaces(_ names: String...) async throws {
        for name in names {
            let response = try await put("/v1/namespace/\(name)", body: ["Name": name])
            #expect(response.status == .ok, "\(response.text)")
        }
    }

    /// Registers a job; expects 200.
    @discardableResult
    func registerJob(_ job: [String: Any]) async throws -> TestResponse {
        let response = try await put("/v1/jobs", body: ["Job": job])
        #expect(response.status == .ok, "\(response.text)")
        return response
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body parsed as JSON.
    var json: Any {
        get throws { try JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed]) }
    }

    var object: [String: Any] {
        get throws { try #require(try json as? [String: Any], "expected a JSON object: \(text)") }
    }

    var array: [Any] {
        get throws { try #require(try json as? [Any], "expected a JSON array: \(text)") }
    }

    var index: UInt64? { headers[HTTPField.Name("X-Nomad-Index")!].flatMap(UInt64.init) }
}

/// JSON bodies the HTTP tests send, shaped as Nomad clients send them.
enum Body {
    static func controller(_ plugin: String, healthy: Bool = true) -> [String: Any] {
        [
            "PluginID": plugin, "Healthy": healthy, "HealthDescription": healthy ? "healthy" : "unhealthy",
            "UpdateTime": "2020-01-31T00:00:00Z", "Provider": "com.example.\(plugin)", "ProviderVersion": "1.2.0",
            "RequiresControllerPlugin": true, "RequiresTopologies": true,
            "ControllerInfo": [
                "SupportsReadOnlyAttach": true, "SupportsAttachDetach": true, "SupportsListVolumes": true,
                "SupportsListVolumesAttachedNodes": false,
            ],
        ]
    }

    static func nodePlugin(_ plugin: String, healthy: Bool = true, zone: String = "us-east-1a") -> [String: Any] {
        [
            "PluginID": plugin, "Healthy": healthy, "HealthDescription": healthy ? "healthy" : "unhealthy",
            "UpdateTime": "2020-01-30T00:00:00Z", "Provider": "com.example.\(plugin)", "ProviderVersion": "1.2.0",
            "RequiresControllerPlugin": true, "RequiresTopologies": true,
            "NodeInfo": [
                "ID": "i-\(plugin)", "MaxVolumes": 51, "AccessibleTopology": ["Segments": ["zone": zone]],
                "RequiresNodeStageVolume": true,
            ],
        ]
    }

    static func node(
        _ id: String, status: String? = nil, controllers: [[String: Any]] = [], nodes: [[String: Any]] = []
    ) -> [String: Any] {
        var node: [String: Any] = [
            "ID": id, "SecretID": "secret-\(id)", "Name": id, "Datacenter": "dc1",
            "Attributes": ["kernel.name": "linux", "unique.network.ip-address": "10.0.0.1"],
            "Drivers": ["docker": ["Detected": true, "Healthy": true]],
            "CSIControllerPlugins": Dictionary(uniqueKeysWithValues: controllers.map { ($0["PluginID"] as! String, $0) }),
            "CSINodePlugins": Dictionary(uniqueKeysWithValues: nodes.map { ($0["PluginID"] as! String, $0) }),
        ]
        if let status { node["Status"] = status }
        return node
    }

    static func pluginJob(
        _ id: String, plugin: String, role: String, type: String = "service", count: Int = 1, namespace: String? = nil
    ) -> [String: Any] {
        var job: [String: Any] = [
            "ID": id, "Type": type, "Datacenters": ["dc1"],
            "Meta": ["team": "storage"],
            "TaskGroups": [
                [
                    "Name": "plugin", "Count": count,
                    "Tasks": [
                        [
                            "Name": "plugin", "Driver": "docker", "Config": ["image": "example/\(plugin):1"],
                            "CSIPluginConfig": ["ID": plugin, "Type": role, "MountDir": "/csi"],
                        ]
                    ],
                ]
            ],
        ]
        if let namespace { job["Namespace"] = namespace }
        return job
    }
}

