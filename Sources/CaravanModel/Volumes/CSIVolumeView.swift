/// A volume as a read answers it: the stored volume with what its plugin says now (Nomad's
/// denormalization: provider, health counts, `Schedulable`). A volume whose plugin is gone is
/// still shown, unschedulable.
public struct CSIVolumeView: Sendable {
    public let volume: CSIVolume
    public let plugin: CSIPluginSummary?

    public init(volume: CSIVolume, plugin: CSIPluginSummary?) {
        self.volume = volume
        self.plugin = plugin
    }

    /// Nomad's `Schedulable`: a healthy node plugin, and a healthy controller if one is required.
    public var schedulable: Bool {
        guard let plugin else { return false }
        return plugin.nodesHealthy > 0 && (!plugin.controllerRequired || plugin.controllersHealthy > 0)
    }

    /// The list entry (Nomad's `CSIVolListStub`).
    public var stub: Stub { Stub(view: self) }

    /// A volume's list entry.
    public struct Stub: JSONWritable, Sendable {
        let view: CSIVolumeView

        public func write(to json: inout JSONWriter) {
            let volume = view.volume
            json.beginObject()
            json.field("ID", volume.id)
            json.field("Namespace", volume.namespace)
            json.field("Name", volume.name)
            json.field("ExternalID", volume.externalID)
            view.writeTopologies(to: &json)
            json.field("AccessMode", volume.accessMode)
            json.field("AttachmentMode", volume.attachmentMode)
            json.field("CurrentReaders", volume.readClaims.count)
            json.field("CurrentWriters", volume.writeClaims.count)
            json.field("Schedulable", view.schedulable)
            json.field("PluginID", volume.pluginID)
            view.writePluginFields(to: &json, includeVersion: false)
            json.field("ResourceExhausted", CSIInfo.zeroTime)
            json.field("CreateIndex", volume.createIndex)
            json.field("ModifyIndex", volume.modifyIndex)
            json.field("CreateTime", volume.createTime)
            json.field("ModifyTime", volume.modifyTime)
            json.endObject()
        }
    }

    fileprivate func writeTopologies(to json: inout JSONWriter) {
        json.key("Topologies")
        if volume.topologies.isEmpty { json.null() } else { volume.topologies.write(to: &json) }
    }

    fileprivate func writePluginFields(to json: inout JSONWriter, includeVersion: Bool) {
        json.field("Provider", plugin?.provider ?? volume.provider)
        if includeVersion { json.field("ProviderVersion", plugin?.version ?? volume.providerVersion) }
        json.field("ControllerRequired", plugin?.controllerRequired ?? false)
        json.field("ControllersHealthy", plugin?.controllersHealthy ?? 0)
        json.field("ControllersExpected", plugin?.controllersExpected ?? 0)
        json.field("NodesHealthy", plugin?.nodesHealthy ?? 0)
        json.field("NodesExpected", plugin?.nodesExpected ?? 0)
    }
}

extension CSIVolumeView: JSONWritable {
    /// Nomad's `CSIVolume` after its JSON extension: `Secrets` null, mount flags redacted,
    /// `ReadAllocs`/`WriteAllocs` as `{allocID: null}`. Caravan keeps no allocations, so
    /// `Allocations` is always empty.
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("ID", volume.id)
        json.field("Name", volume.name)
        json.field("ExternalID", volume.externalID)
        json.field("Namespace", volume.namespace)
        writeTopologies(to: &json)
        json.field("RequestedTopologies", volume.requestedTopologies)
        json.field("AccessMode", volume.accessMode)
        json.field("AttachmentMode", volume.attachmentMode)
        json.field("MountOptions", volume.mountOptions)
        json.key("Secrets")
        json.null()
        json.key("Parameters")
        if volume.parameters.isEmpty { json.null() } else { volume.parameters.write(to: &json) }
        json.key("Context")
        if volume.context.isEmpty { json.null() } else { volume.context.write(to: &json) }
        json.field("Capacity", volume.capacity)
        json.field("RequestedCapacityMin", volume.requestedCapacityMin)
        json.field("RequestedCapacityMax", volume.requestedCapacityMax)
        json.key("RequestedCapabilities")
        if volume.requestedCapabilities.isEmpty { json.null() } else { volume.requestedCapabilities.write(to: &json) }
        json.field("CloneID", volume.cloneID)
        json.field("SnapshotID", volume.snapshotID)
        json.key("ReadAllocs")
        writeAllocs(volume.readClaims, to: &json)
        json.key("WriteAllocs")
        writeAllocs(volume.writeClaims, to: &json)
        json.key("Allocations")
        json.beginArray()
        json.endArray()
        json.field("Schedulable", schedulable)
        json.field("PluginID", volume.pluginID)
        writePluginFields(to: &json, includeVersion: true)
        json.field("ResourceExhausted", CSIInfo.zeroTime)
        json.field("CreateIndex", volume.createIndex)
        json.field("ModifyIndex", volume.modifyIndex)
        json.field("CreateTime", volume.createTime)
        json.field("ModifyTime", volume.modifyTime)
        json.endObject()
    }

    private func writeAllocs(_ claims: [String: CSIVolumeClaim], to json: inout JSONWriter) {
        json.beginObject()
        for id in claims.keys.sorted() {
            json.key(id)
            json.null()
        }
        json.endObject()
    }
}

extension CSIVolume: Decodable {
    /// A volume as a registration submits it. Fields the server owns (claims, indexes, plugin
    /// health) are ignored.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(
            id: try c.optional(String.self, "ID") ?? "",
            namespace: try c.optional(String.self, "Namespace") ?? "",
            name: try c.optional(String.self, "Name") ?? "",
            externalID: try c.optional(String.self, "ExternalID") ?? "",
            pluginID: try c.optional(String.self, "PluginID") ?? "",
            requestedCapabilities: try c.optional([CSIVolumeCapability].self, "RequestedCapabilities") ?? [],
            requestedTopologies: try c.optional(CSITopologyRequest.self, "RequestedTopologies"),
            topologies: try c.optional([CSITopology].self, "Topologies") ?? [],
            mountOptions: try c.optional(CSIMountOptions.self, "MountOptions"),
            secrets: try c.optional([String: String].self, "Secrets") ?? [:],
            parameters: try c.optional([String: String].self, "Parameters") ?? [:],
            context: try c.optional([String: String].self, "Context") ?? [:],
            capacity: try c.optional(Int64.self, "Capacity") ?? 0,
            requestedCapacityMin: try c.optional(Int64.self, "RequestedCapacityMin") ?? 0,
            requestedCapacityMax: try c.optional(Int64.self, "RequestedCapacityMax") ?? 0,
            cloneID: try c.optional(String.self, "CloneID") ?? "",
            snapshotID: try c.optional(String.self, "SnapshotID") ?? ""
        )
    }
}
