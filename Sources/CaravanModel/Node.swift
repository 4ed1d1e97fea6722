/// A Nomad client node and its fingerprint, as the client registers it.
///
/// `Status` starts as `initializing` and changes only through status updates; a re-registration
/// replaces the fingerprint (attributes, drivers, CSI plugins) but keeps the status and
/// scheduling eligibility the servers hold. Fields Caravan does not interpret are kept in `extra`.
public struct Node: Sendable, Hashable {
    public var id: String
    public var secretID: String
    public var name: String
    public var datacenter: String
    public var nodePool: String
    public var nodeClass: String
    public var httpAddr: String
    public var status: String
    public var statusDescription: String
    /// Unix seconds, stamped by the server that proposed the last status change.
    public var statusUpdatedAt: Int64
    public var schedulingEligibility: String
    public var attributes: [String: String]
    public var meta: [String: String]
    public var drivers: [String: DriverInfo]
    public var csiControllerPlugins: [String: CSIInfo]
    public var csiNodePlugins: [String: CSIInfo]
    public var createIndex: UInt64
    public var modifyIndex: UInt64
    public var extra: [String: JSONValue]

    public init(
        id: String, secretID: String = "", name: String = "", datacenter: String = "", nodePool: String = "",
        nodeClass: String = "", httpAddr: String = "", status: String = "", statusDescription: String = "",
        statusUpdatedAt: Int64 = 0, schedulingEligibility: String = "", attributes: [String: String] = [:],
        meta: [String: String] = [:], drivers: [String: DriverInfo] = [:], csiControllerPlugins: [String: CSIInfo] = [:],
        csiNodePlugins: [String: CSIInfo] = [:], createIndex: UInt64 = 0, modifyIndex: UInt64 = 0,
        extra: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.secretID = secretID
        self.name = name
        self.datacenter = datacenter
        self.nodePool = nodePool
        self.nodeClass = nodeClass
        self.httpAddr = httpAddr
        self.status = status
        self.statusDescription = statusDescription
        self.statusUpdatedAt = statusUpdatedAt
        self.schedulingEligibility = schedulingEligibility
        self.attributes = attributes
        self.meta = meta
        self.drivers = drivers
        self.csiControllerPlugins = csiControllerPlugins
        self.csiNodePlugins = csiNodePlugins
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
        self.extra = extra
    }

    public static let statuses: Set<String> = ["initializing", "ready", "down", "disconnected"]
    public static let eligibilities: Set<String> = ["eligible", "ineligible"]

    /// Applies Nomad's registration defaults.
    public mutating func canonicalize() {
        if name.isEmpty { name = id }
        if datacenter.isEmpty { datacenter = "dc1" }
        if nodePool.isEmpty { nodePool = "default" }
        if status.isEmpty { status = "initializing" }
        if schedulingEligibility.isEmpty { schedulingEligibility = "eligible" }
    }

    /// A node that a system job would run on: ready and eligible for scheduling.
    public var isSchedulable: Bool { status == "ready" && schedulingEligibility == "eligible" }

    /// The node's datacenter while it is schedulable, otherwise `nil`.
    public var schedulableDatacenter: String? { isSchedulable ? datacenter : nil }
}

/// A task driver's fingerprint on a node.
public struct DriverInfo: Sendable, Hashable {
    public var attributes: [String: String]
    public var detected: Bool
    public var healthy: Bool
    public var healthDescription: String
    public var updateTime: String

    public init(
        attributes: [String: String] = [:], detected: Bool = false, healthy: Bool = false, healthDescription: String = "",
        updateTime: String = CSIInfo.zeroTime
    ) {
        self.attributes = attributes
        self.detected = detected
        self.healthy = healthy
        self.healthDescription = healthDescription
        self.updateTime = updateTime
    }
}

// MARK: JSON

extension Node: Decodable {
    static let knownFields: Set<String> = [
        "ID", "SecretID", "Name", "Datacenter", "NodePool", "NodeClass", "HTTPAddr", "Status", "StatusDescription",
        "StatusUpdatedAt", "SchedulingEligibility", "Attributes", "Meta", "Drivers", "CSIControllerPlugins",
        "CSINodePlugins", "CreateIndex", "ModifyIndex", "Drain",
    ]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(
            id: try c.optional(String.self, "ID") ?? "",
            secretID: try c.optional(String.self, "SecretID") ?? "",
            name: try c.optional(String.self, "Name") ?? "",
            datacenter: try c.optional(String.self, "Datacenter") ?? "",
            nodePool: try c.optional(String.self, "NodePool") ?? "",
            nodeClass: try c.optional(String.self, "NodeClass") ?? "",
            httpAddr: try c.optional(String.self, "HTTPAddr") ?? "",
            status: try c.optional(String.self, "Status") ?? "",
            statusDescription: try c.optional(String.self, "StatusDescription") ?? "",
            schedulingEligibility: try c.optional(String.self, "SchedulingEligibility") ?? "",
            attributes: try c.optional([String: String].self, "Attributes") ?? [:],
            meta: try c.optional([String: String].self, "Meta") ?? [:],
            drivers: try c.optional([String: DriverInfo].self, "Drivers") ?? [:],
            csiControllerPlugins: try c.optional([String: CSIInfo].self, "CSIControllerPlugins") ?? [:],
            csiNodePlugins: try c.optional([String: CSIInfo].self, "CSINodePlugins") ?? [:],
            extra: try c.unknownMembers(excluding: Self.knownFields)
        )
    }
}

extension Node: JSONWritable {
    /// Nomad's encoding: `SecretID` blanked, a synthesized `Drain` flag.
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("ID", id)
        json.field("SecretID", "")
        json.field("Datacenter", datacenter)
        json.field("Name", name)
        json.field("HTTPAddr", httpAddr)
        json.field("Attributes", attributes)
        json.field("Meta", meta)
        json.field("NodeClass", nodeClass)
        json.field("NodePool", nodePool)
        json.field("Drain", false)
        json.field("SchedulingEligibility", schedulingEligibility)
        json.field("Status", status)
        json.field("StatusDescription", statusDescription)
        json.field("StatusUpdatedAt", statusUpdatedAt)
        json.field("Drivers", drivers)
        json.field("CSIControllerPlugins", csiControllerPlugins)
        json.field("CSINodePlugins", csiNodePlugins)
        json.field("CreateIndex", createIndex)
        json.field("ModifyIndex", modifyIndex)
        json.members(extra)
        json.endObject()
    }
}

extension DriverInfo: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(
            attributes: try c.optional([String: String].self, "Attributes") ?? [:],
            detected: try c.optional(Bool.self, "Detected") ?? false,
            healthy: try c.optional(Bool.self, "Healthy") ?? false,
            healthDescription: try c.optional(String.self, "HealthDescription") ?? "",
            updateTime: try c.optional(String.self, "UpdateTime") ?? CSIInfo.zeroTime
        )
    }
}

extension DriverInfo: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("Attributes", attributes)
        json.field("Detected", detected)
        json.field("Healthy", healthy)
        json.field("HealthDescription", healthDescription)
        json.field("UpdateTime", updateTime)
        json.endObject()
    }
}

/// `GET /v1/nodes` entry: no CSI maps, no attributes (Nomad's `NodeListStub`).
public struct NodeListStub: JSONWritable {
    public let node: Node

    public init(_ node: Node) { self.node = node }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("Address", node.attributes["unique.network.ip-address"] ?? "")
        json.field("ID", node.id)
        json.field("Datacenter", node.datacenter)
        json.field("Name", node.name)
        json.field("NodeClass", node.nodeClass)
        json.field("NodePool", node.nodePool)
        json.field("Version", node.attributes["nomad.version"] ?? "")
        json.field("Drain", false)
        json.field("SchedulingEligibility", node.schedulingEligibility)
        json.field("Status", node.status)
        json.field("StatusDescription", node.statusDescription)
        json.field("Drivers", node.drivers)
        json.field("CreateIndex", node.createIndex)
        json.field("ModifyIndex", node.modifyIndex)
        json.endObject()
    }
}
