/// One node's fingerprint of one CSI plugin in one role (controller or node), as a Nomad client
/// reports it in `Node.CSIControllerPlugins` / `Node.CSINodePlugins`.
public struct CSIInfo: Sendable, Hashable {
    public var pluginID: String
    public var allocID: String
    public var healthy: Bool
    public var healthDescription: String
    /// A Go `time.Time` in RFC 3339, kept as the client sent it.
    public var updateTime: String
    public var provider: String
    public var providerVersion: String
    public var requiresControllerPlugin: Bool
    public var requiresTopologies: Bool
    public var controllerInfo: CSIControllerInfo?
    public var nodeInfo: CSINodeInfo?

    public static let zeroTime = "0001-01-01T00:00:00Z"

    public init(
        pluginID: String, allocID: String = "", healthy: Bool, healthDescription: String = "",
        updateTime: String = CSIInfo.zeroTime, provider: String = "", providerVersion: String = "",
        requiresControllerPlugin: Bool = false, requiresTopologies: Bool = false,
        controllerInfo: CSIControllerInfo? = nil, nodeInfo: CSINodeInfo? = nil
    ) {
        self.pluginID = pluginID
        self.allocID = allocID
        self.healthy = healthy
        self.healthDescription = healthDescription
        self.updateTime = updateTime
        self.provider = provider
        self.providerVersion = providerVersion
        self.requiresControllerPlugin = requiresControllerPlugin
        self.requiresTopologies = requiresTopologies
        self.controllerInfo = controllerInfo
        self.nodeInfo = nodeInfo
    }
}

/// What a controller plugin can do.
public struct CSIControllerInfo: Sendable, Hashable {
    public var supportsCreateDelete = false
    public var supportsAttachDetach = false
    public var supportsListVolumes = false
    public var supportsGetCapacity = false
    public var supportsCreateDeleteSnapshot = false
    public var supportsListSnapshots = false
    public var supportsClone = false
    public var supportsReadOnlyAttach = false
    public var supportsExpand = false
    public var supportsListVolumesAttachedNodes = false
    public var supportsCondition = false
    public var supportsGet = false

    public init() {}

    /// The flags in Nomad's field order (the binary codec stores them as one bit each).
    public var flags: [Bool] {
        [
            supportsCreateDelete, supportsAttachDetach, supportsListVolumes, supportsGetCapacity,
            supportsCreateDeleteSnapshot, supportsListSnapshots, supportsClone, supportsReadOnlyAttach,
            supportsExpand, supportsListVolumesAttachedNodes, supportsCondition, supportsGet,
        ]
    }

    public init(flags: [Bool]) {
        func flag(_ i: Int) -> Bool { i < flags.count && flags[i] }
        supportsCreateDelete = flag(0)
        supportsAttachDetach = flag(1)
        supportsListVolumes = flag(2)
        supportsGetCapacity = flag(3)
        supportsCreateDeleteSnapshot = flag(4)
        supportsListSnapshots = flag(5)
        supportsClone = flag(6)
        supportsReadOnlyAttach = flag(7)
        supportsExpand = flag(8)
        supportsListVolumesAttachedNodes = flag(9)
        supportsCondition = flag(10)
        supportsGet = flag(11)
    }

    static let fieldNames = [
        "SupportsCreateDelete", "SupportsAttachDetach", "SupportsListVolumes", "SupportsGetCapacity",
        "SupportsCreateDeleteSnapshot", "SupportsListSnapshots", "SupportsClone", "SupportsReadOnlyAttach",
        "SupportsExpand", "SupportsListVolumesAttachedNodes", "SupportsCondition", "SupportsGet",
    ]
}

/// What a node plugin reports about its host.
public struct CSINodeInfo: Sendable, Hashable {
    /// The storage provider's ID for this host.
    public var id: String
    public var maxVolumes: Int64
    public var accessibleTopology: CSITopology?
    public var requiresNodeStageVolume: Bool
    public var supportsStats: Bool
    public var supportsExpand: Bool
    public var supportsCondition: Bool

    public init(
        id: String, maxVolumes: Int64 = 0, accessibleTopology: CSITopology? = nil, requiresNodeStageVolume: Bool = false,
        supportsStats: Bool = false, supportsExpand: Bool = false, supportsCondition: Bool = false
    ) {
        self.id = id
        self.maxVolumes = maxVolumes
        self.accessibleTopology = accessibleTopology
        self.requiresNodeStageVolume = requiresNodeStageVolume
        self.supportsStats = supportsStats
        self.supportsExpand = supportsExpand
        self.supportsCondition = supportsCondition
    }
}

/// A set of topology segments (for example a zone) a node can reach.
public struct CSITopology: Sendable, Hashable {
    public var segments: [String: String]

    public init(segments: [String: String]) {
        self.segments = segments
    }
}

// MARK: JSON

extension CSIInfo: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(
            pluginID: try c.optional(String.self, "PluginID") ?? "",
            allocID: try c.optional(String.self, "AllocID") ?? "",
            healthy: try c.optional(Bool.self, "Healthy") ?? false,
            healthDescription: try c.optional(String.self, "HealthDescription") ?? "",
            updateTime: try c.optional(String.self, "UpdateTime") ?? CSIInfo.zeroTime,
            provider: try c.optional(String.self, "Provider") ?? "",
            providerVersion: try c.optional(String.self, "ProviderVersion") ?? "",
            requiresControllerPlugin: try c.optional(Bool.self, "RequiresControllerPlugin") ?? false,
            requiresTopologies: try c.optional(Bool.self, "RequiresTopologies") ?? false,
            controllerInfo: try c.optional(CSIControllerInfo.self, "ControllerInfo"),
            nodeInfo: try c.optional(CSINodeInfo.self, "NodeInfo")
        )
    }
}

extension CSIInfo: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("PluginID", pluginID)
        json.field("AllocID", allocID)
        json.field("Healthy", healthy)
        json.field("HealthDescription", healthDescription)
        json.field("UpdateTime", updateTime)
        json.field("Provider", provider)
        json.field("ProviderVersion", providerVersion)
        json.field("RequiresControllerPlugin", requiresControllerPlugin)
        json.field("RequiresTopologies", requiresTopologies)
        if let controllerInfo { json.field("ControllerInfo", controllerInfo) }
        if let nodeInfo { json.field("NodeInfo", nodeInfo) }
        json.endObject()
    }
}

extension CSIControllerInfo: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(flags: try Self.fieldNames.map { try c.optional(Bool.self, $0) ?? false })
    }
}

extension CSIControllerInfo: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        for (name, flag) in zip(Self.fieldNames, flags) { json.field(name, flag) }
        json.endObject()
    }
}

extension CSINodeInfo: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(
            id: try c.optional(String.self, "ID") ?? "",
            maxVolumes: try c.optional(Int64.self, "MaxVolumes") ?? 0,
            accessibleTopology: try c.optional(CSITopology.self, "AccessibleTopology"),
            requiresNodeStageVolume: try c.optional(Bool.self, "RequiresNodeStageVolume") ?? false,
            supportsStats: try c.optional(Bool.self, "SupportsStats") ?? false,
            supportsExpand: try c.optional(Bool.self, "SupportsExpand") ?? false,
            supportsCondition: try c.optional(Bool.self, "SupportsCondition") ?? false
        )
    }
}

extension CSINodeInfo: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("ID", id)
        json.field("MaxVolumes", maxVolumes)
        json.field("AccessibleTopology", accessibleTopology)
        json.field("RequiresNodeStageVolume", requiresNodeStageVolume)
        json.field("SupportsStats", supportsStats)
        json.field("SupportsExpand", supportsExpand)
        json.field("SupportsCondition", supportsCondition)
        json.endObject()
    }
}

extension CSITopology: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(segments: try c.optional([String: String].self, "Segments") ?? [:])
    }
}

extension CSITopology: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("Segments", segments)
        json.endObject()
    }
}
