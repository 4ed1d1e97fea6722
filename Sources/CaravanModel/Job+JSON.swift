// Reading jobs from Nomad's JSON and writing them back in Nomad's field order.

extension Job: Decodable {
    static let knownFields: Set<String> = [
        "ID", "ParentID", "Name", "Namespace", "Type", "Priority", "Datacenters", "NodePool", "Region", "Stop",
        "Status", "StatusDescription", "Stable", "Version", "SubmitTime", "TaskGroups", "CreateIndex",
        "ModifyIndex", "JobModifyIndex",
    ]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(
            id: try c.optional(String.self, "ID") ?? "",
            parentID: try c.optional(String.self, "ParentID") ?? "",
            name: try c.optional(String.self, "Name") ?? "",
            namespace: try c.optional(String.self, "Namespace") ?? "",
            type: try c.optional(String.self, "Type") ?? "",
            priority: try c.optional(Int.self, "Priority") ?? 0,
            datacenters: try c.optional([String].self, "Datacenters") ?? [],
            nodePool: try c.optional(String.self, "NodePool") ?? "",
            region: try c.optional(String.self, "Region") ?? "",
            stop: try c.optional(Bool.self, "Stop") ?? false,
            taskGroups: try c.optional([TaskGroup].self, "TaskGroups") ?? [],
            extra: try c.unknownMembers(excluding: Self.knownFields)
        )
    }
}

extension Job: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        writeMembers(to: &json)
        json.endObject()
    }

    /// The job's members, for views that add their own after them.
    public func writeMembers(to json: inout JSONWriter) {
        json.field("ID", id)
        json.field("ParentID", parentID)
        json.field("Name", name)
        json.field("Namespace", namespace)
        json.field("Type", type)
        json.field("Priority", priority)
        json.field("Datacenters", datacenters)
        json.field("NodePool", nodePool)
        json.field("Region", region)
        json.field("TaskGroups", taskGroups)
        json.field("Stop", stop)
        json.field("Status", status)
        json.field("StatusDescription", statusDescription)
        json.field("Stable", stable)
        json.field("Version", version)
        json.field("SubmitTime", submitTime)
        json.field("CreateIndex", createIndex)
        json.field("ModifyIndex", modifyIndex)
        json.field("JobModifyIndex", jobModifyIndex)
        json.members(extra)
    }
}

extension TaskGroup: Decodable {
    static let knownFields: Set<String> = ["Name", "Count", "Tasks", "Volumes"]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(
            name: try c.optional(String.self, "Name") ?? "",
            count: try c.optional(Int.self, "Count"),
            tasks: try c.optional([JobTask].self, "Tasks") ?? [],
            volumes: try c.optional([String: VolumeRequest].self, "Volumes"),
            extra: try c.unknownMembers(excluding: Self.knownFields)
        )
    }
}

extension TaskGroup: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("Name", name)
        json.field("Count", count)
        json.field("Tasks", tasks)
        json.field("Volumes", volumes)
        json.members(extra)
        json.endObject()
    }
}

extension JobTask: Decodable {
    static let knownFields: Set<String> = ["Name", "Driver", "Config", "CSIPluginConfig"]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(
            name: try c.optional(String.self, "Name") ?? "",
            driver: try c.optional(String.self, "Driver") ?? "",
            config: try c.optional([String: JSONValue].self, "Config"),
            csiPluginConfig: try c.optional(TaskCSIPluginConfig.self, "CSIPluginConfig"),
            extra: try c.unknownMembers(excluding: Self.knownFields)
        )
    }
}

extension JobTask: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("Name", name)
        json.field("Driver", driver)
        json.field("Config", config)
        json.field("CSIPluginConfig", csiPluginConfig)
        json.members(extra)
        json.endObject()
    }
}

extension TaskCSIPluginConfig: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(
            id: try c.optional(String.self, "ID") ?? "",
            type: try c.optional(String.self, "Type") ?? "",
            mountDir: try c.optional(String.self, "MountDir") ?? "",
            stagePublishBaseDir: try c.optional(String.self, "StagePublishBaseDir") ?? "",
            healthTimeout: try c.optional(Int64.self, "HealthTimeout") ?? 0
        )
    }
}

extension TaskCSIPluginConfig: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("ID", id)
        json.field("Type", type)
        json.field("MountDir", mountDir)
        json.field("StagePublishBaseDir", stagePublishBaseDir)
        json.field("HealthTimeout", healthTimeout)
        json.endObject()
    }
}

extension VolumeRequest: Decodable {
    static let knownFields: Set<String> = ["Name", "Type", "Source", "ReadOnly", "AccessMode", "AttachmentMode", "PerAlloc"]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(
            name: try c.optional(String.self, "Name") ?? "",
            type: try c.optional(String.self, "Type") ?? "",
            source: try c.optional(String.self, "Source") ?? "",
            readOnly: try c.optional(Bool.self, "ReadOnly") ?? false,
            accessMode: try c.optional(String.self, "AccessMode") ?? "",
            attachmentMode: try c.optional(String.self, "AttachmentMode") ?? "",
            perAlloc: try c.optional(Bool.self, "PerAlloc") ?? false,
            extra: try c.unknownMembers(excluding: Self.knownFields)
        )
    }
}

extension VolumeRequest: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("Name", name)
        json.field("Type", type)
        json.field("Source", source)
        json.field("ReadOnly", readOnly)
        json.field("AccessMode", accessMode)
        json.field("AttachmentMode", attachmentMode)
        json.field("PerAlloc", perAlloc)
        json.members(extra)
        json.endObject()
    }
}
