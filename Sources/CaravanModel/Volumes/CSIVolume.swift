/// A CSI volume as the state stores it: what an operator registered, its claims, and its indexes
/// and times. What depends on the volume's plugin (health, `Schedulable`, provider) is not
/// stored: every read derives it from the plugin as it is then (``CSIVolumeView``).
public struct CSIVolume: Sendable, Hashable {
    /// Unique within its namespace.
    public var id: String
    public var namespace: String
    public var name: String
    /// The storage provider's ID; the volume's own ID when empty.
    public var externalID: String
    public var pluginID: String
    /// Copied from the plugin at registration; a re-registration may not change it.
    public var provider: String
    public var providerVersion: String

    public var requestedCapabilities: [CSIVolumeCapability]
    public var requestedTopologies: CSITopologyRequest?
    public var topologies: [CSITopology]
    /// The modes of the current claims (set by the first claim, reset when the last is freed).
    public var accessMode: String
    public var attachmentMode: String
    public var mountOptions: CSIMountOptions?

    public var secrets: [String: String]
    public var parameters: [String: String]
    public var context: [String: String]
    public var capacity: Int64
    public var requestedCapacityMin: Int64
    public var requestedCapacityMax: Int64
    public var cloneID: String
    public var snapshotID: String

    /// Allocation ID → claim, for the claims that read, that write, and that are being released.
    public var readClaims: [String: CSIVolumeClaim]
    public var writeClaims: [String: CSIVolumeClaim]
    public var pastClaims: [String: CSIVolumeClaim]

    public var createIndex: UInt64
    public var modifyIndex: UInt64
    /// Unix nanoseconds, from the entries that created and last changed the volume.
    public var createTime: Int64
    public var modifyTime: Int64

    public init(
        id: String, namespace: String = "", name: String = "", externalID: String = "", pluginID: String = "",
        provider: String = "", providerVersion: String = "", requestedCapabilities: [CSIVolumeCapability] = [],
        requestedTopologies: CSITopologyRequest? = nil, topologies: [CSITopology] = [], accessMode: String = "",
        attachmentMode: String = "", mountOptions: CSIMountOptions? = nil, secrets: [String: String] = [:],
        parameters: [String: String] = [:], context: [String: String] = [:], capacity: Int64 = 0,
        requestedCapacityMin: Int64 = 0, requestedCapacityMax: Int64 = 0, cloneID: String = "", snapshotID: String = "",
        readClaims: [String: CSIVolumeClaim] = [:], writeClaims: [String: CSIVolumeClaim] = [:],
        pastClaims: [String: CSIVolumeClaim] = [:], createIndex: UInt64 = 0, modifyIndex: UInt64 = 0, createTime: Int64 = 0,
        modifyTime: Int64 = 0
    ) {
        self.id = id
        self.namespace = namespace
        self.name = name
        self.externalID = externalID
        self.pluginID = pluginID
        self.provider = provider
        self.providerVersion = providerVersion
        self.requestedCapabilities = requestedCapabilities
        self.requestedTopologies = requestedTopologies
        self.topologies = topologies
        self.accessMode = accessMode
        self.attachmentMode = attachmentMode
        self.mountOptions = mountOptions
        self.secrets = secrets
        self.parameters = parameters
        self.context = context
        self.capacity = capacity
        self.requestedCapacityMin = requestedCapacityMin
        self.requestedCapacityMax = requestedCapacityMax
        self.cloneID = cloneID
        self.snapshotID = snapshotID
        self.readClaims = readClaims
        self.writeClaims = writeClaims
        self.pastClaims = pastClaims
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
        self.createTime = createTime
        self.modifyTime = modifyTime
    }

    /// The most claims (live and being released) one volume holds: every claim rewrites the
    /// volume, so an unbounded count would make each claim cost more than the last.
    public static let maximumClaims = 10_000

    /// Whether an allocation holds a claim (Nomad's "in use": `ReadAllocs` or `WriteAllocs` not
    /// empty, claims being released included).
    public var inUse: Bool { !readClaims.isEmpty || !writeClaims.isEmpty }

    /// The claims allocations hold, read and write, by allocation ID (a claim being released
    /// included: it stays until it is freed).
    public var liveClaims: [String: CSIVolumeClaim] { readClaims.merging(writeClaims) { a, _ in a } }

    /// Every claim on the volume: read, write and past, by allocation ID (a past claim stands for
    /// the live claim it releases).
    public var allClaims: [String: CSIVolumeClaim] { liveClaims.merging(pastClaims) { _, past in past } }
}
