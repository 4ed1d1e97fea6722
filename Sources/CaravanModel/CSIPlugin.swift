/// The counts and identity of a CSI plugin: everything its list entries show. Derived by the
/// state machine from node fingerprints (healthy counts) and plugin jobs (expected counts).
public struct CSIPluginSummary: Sendable, Hashable {
    public var id: String
    public var provider: String
    public var version: String
    public var controllerRequired: Bool
    public var controllersHealthy: Int
    public var controllersExpected: Int
    public var nodesHealthy: Int
    public var nodesExpected: Int
    public var createIndex: UInt64
    public var modifyIndex: UInt64
    /// Unix nanoseconds, from the log entries that created and last changed the plugin.
    public var createTime: Int64
    public var modifyTime: Int64
    /// Namespace → sorted IDs of the jobs that run the plugin (the draft API's `JobIDs`).
    public var jobIDs: [String: [String]]

    public init(
        id: String, provider: String = "", version: String = "", controllerRequired: Bool = false,
        controllersHealthy: Int = 0, controllersExpected: Int = 0, nodesHealthy: Int = 0, nodesExpected: Int = 0,
        createIndex: UInt64 = 0, modifyIndex: UInt64 = 0, createTime: Int64 = 0, modifyTime: Int64 = 0,
        jobIDs: [String: [String]] = [:]
    ) {
        self.id = id
        self.provider = provider
        self.version = version
        self.controllerRequired = controllerRequired
        self.controllersHealthy = controllersHealthy
        self.controllersExpected = controllersExpected
        self.nodesHealthy = nodesHealthy
        self.nodesExpected = nodesExpected
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
        self.createTime = createTime
        self.modifyTime = modifyTime
        self.jobIDs = jobIDs
    }
}

/// One job's contribution to a plugin's expected instance count.
public struct JobDescription: Sendable, Hashable {
    public var namespace: String
    public var id: String
    public var expected: Int

    public init(namespace: String, id: String, expected: Int) {
        self.namespace = namespace
        self.id = id
        self.expected = expected
    }
}

/// A CSI plugin in full: its summary plus the per-node fingerprints and per-job expectations.
public struct CSIPlugin: Sendable, Hashable {
    public var summary: CSIPluginSummary
    /// Nomad node ID → controller fingerprint.
    public var controllers: [String: CSIInfo]
    /// Nomad node ID → node fingerprint.
    public var nodes: [String: CSIInfo]
    /// Namespace → job ID → expectation.
    public var controllerJobs: [String: [String: JobDescription]]
    public var nodeJobs: [String: [String: JobDescription]]

    public init(
        summary: CSIPluginSummary, controllers: [String: CSIInfo] = [:], nodes: [String: CSIInfo] = [:],
        controllerJobs: [String: [String: JobDescription]] = [:], nodeJobs: [String: [String: JobDescription]] = [:]
    ) {
        self.summary = summary
        self.controllers = controllers
        self.nodes = nodes
        self.controllerJobs = controllerJobs
        self.nodeJobs = nodeJobs
    }

    /// The distinct accessible topologies of the plugin's node instances, sorted.
    public var topologies: [CSITopology] {
        let distinct = Set(nodes.values.compactMap { $0.nodeInfo?.accessibleTopology })
        return distinct.sorted { $0.sortedSegments.lexicographicallyPrecedes($1.sortedSegments, by: <) }
    }
}

extension CSITopology {
    /// The segments as (key, value) pairs in key order: a total order on topologies.
    var sortedSegments: [(String, String)] {
        segments.keys.sorted().map { ($0, segments[$0]!) }
    }
}

// MARK: Nomad's shapes

extension JobDescription: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("Namespace", namespace)
        json.field("ID", id)
        json.field("Expected", expected)
        json.endObject()
    }
}

extension CSIPlugin: JSONWritable {
    /// `GET /v1/plugin/csi/:id`.
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("ID", summary.id)
        json.field("Provider", summary.provider)
        json.field("Version", summary.version)
        json.field("ControllerRequired", summary.controllerRequired)
        json.field("Controllers", controllers)
        json.field("Nodes", nodes)
        json.key("Allocations")
        json.beginArray()
        json.endArray()
        json.field("ControllerJobs", controllerJobs)
        json.field("NodeJobs", nodeJobs)
        json.field("ControllersHealthy", summary.controllersHealthy)
        json.field("ControllersExpected", summary.controllersExpected)
        json.field("NodesHealthy", summary.nodesHealthy)
        json.field("NodesExpected", summary.nodesExpected)
        json.field("CreateIndex", summary.createIndex)
        json.field("ModifyIndex", summary.modifyIndex)
        json.field("CreateTime", summary.createTime)
        json.field("ModifyTime", summary.modifyTime)
        json.endObject()
    }
}

/// `GET /v1/plugins?type=csi` entry (Nomad's `CSIPluginListStub`).
public struct CSIPluginListStub: JSONWritable {
    public let summary: CSIPluginSummary

    public init(_ summary: CSIPluginSummary) { self.summary = summary }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("ID", summary.id)
        json.field("Provider", summary.provider)
        json.field("ControllerRequired", summary.controllerRequired)
        json.field("ControllersHealthy", summary.controllersHealthy)
        json.field("ControllersExpected", summary.controllersExpected)
        json.field("NodesHealthy", summary.nodesHealthy)
        json.field("NodesExpected", summary.nodesExpected)
        json.field("CreateIndex", summary.createIndex)
        json.field("ModifyIndex", summary.modifyIndex)
        json.endObject()
    }
}
