/// A Nomad job as Caravan stores and serves it: the fields Caravan interprets, typed, and every
/// other field kept verbatim in `extra` and returned as it was sent.
///
/// Server-managed fields (`Status`, `Version`, `SubmitTime` and the indexes) are set by the state
/// machine when the job is registered; values a client sends for them are ignored.
public struct Job: Sendable, Hashable {
    public var id: String
    public var parentID: String
    public var name: String
    public var namespace: String
    public var type: String
    public var priority: Int
    public var datacenters: [String]
    public var nodePool: String
    public var region: String
    public var stop: Bool
    public var status: String
    public var statusDescription: String
    public var stable: Bool
    public var version: UInt64
    public var submitTime: Int64
    public var taskGroups: [TaskGroup]
    public var createIndex: UInt64
    public var modifyIndex: UInt64
    public var jobModifyIndex: UInt64
    public var extra: [String: JSONValue]

    public init(
        id: String, parentID: String = "", name: String = "", namespace: String = "", type: String = "",
        priority: Int = 0, datacenters: [String] = [], nodePool: String = "", region: String = "",
        stop: Bool = false, status: String = "", statusDescription: String = "", stable: Bool = false,
        version: UInt64 = 0, submitTime: Int64 = 0, taskGroups: [TaskGroup] = [],
        createIndex: UInt64 = 0, modifyIndex: UInt64 = 0, jobModifyIndex: UInt64 = 0,
        extra: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.parentID = parentID
        self.name = name
        self.namespace = namespace
        self.type = type
        self.priority = priority
        self.datacenters = datacenters
        self.nodePool = nodePool
        self.region = region
        self.stop = stop
        self.status = status
        self.statusDescription = statusDescription
        self.stable = stable
        self.version = version
        self.submitTime = submitTime
        self.taskGroups = taskGroups
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
        self.jobModifyIndex = jobModifyIndex
        self.extra = extra
    }

    /// The job types Nomad accepts.
    public static let types: Set<String> = ["service", "batch", "system", "sysbatch"]

    /// Applies Nomad's API-side defaults to the fields a client left empty.
    public mutating func canonicalize() {
        if name.isEmpty { name = id }
        if namespace.isEmpty { namespace = "default" }
        if type.isEmpty { type = "service" }
        if priority == 0 { priority = 50 }
        if region.isEmpty { region = "global" }
        if datacenters.isEmpty { datacenters = ["*"] }
        if nodePool.isEmpty { nodePool = "default" }
        for index in taskGroups.indices { taskGroups[index].canonicalize() }
    }

    /// The job as a client specified it: server-managed fields cleared. Two submissions with the
    /// same specification are the same version of the job.
    public var specification: Job {
        var spec = self
        spec.status = ""
        spec.statusDescription = ""
        spec.stable = false
        spec.version = 0
        spec.submitTime = 0
        spec.createIndex = 0
        spec.modifyIndex = 0
        spec.jobModifyIndex = 0
        return spec
    }

    /// Every `csi_plugin` task of the job, in task-group and task order.
    public var pluginTasks: [(group: TaskGroup, config: TaskCSIPluginConfig)] {
        taskGroups.flatMap { group in
            group.tasks.compactMap { task in task.csiPluginConfig.map { (group, $0) } }
        }
    }

    /// The IDs of the plugins the job runs, without repeats, in task order.
    public var pluginIDs: [String] {
        var seen: Set<String> = []
        return pluginTasks.map(\.config.id).filter { seen.insert($0).inserted }
    }
}

/// A task group: how many instances of its tasks to run, and the volumes they mount.
public struct TaskGroup: Sendable, Hashable {
    public var name: String
    public var count: Int
    public var tasks: [JobTask]
    public var volumes: [String: VolumeRequest]?
    public var extra: [String: JSONValue]

    public init(
        name: String, count: Int? = nil, tasks: [JobTask] = [], volumes: [String: VolumeRequest]? = nil,
        extra: [String: JSONValue] = [:]
    ) {
        self.name = name
        self.count = count ?? 1
        self.tasks = tasks
        self.volumes = volumes
        self.extra = extra
    }

    mutating func canonicalize() {
        for index in tasks.indices { tasks[index].csiPluginConfig?.canonicalize() }
    }
}

/// One task of a task group. Named `JobTask` so it does not shadow Swift's `Task`.
public struct JobTask: Sendable, Hashable {
    public var name: String
    public var driver: String
    public var config: [String: JSONValue]?
    public var csiPluginConfig: TaskCSIPluginConfig?
    public var extra: [String: JSONValue]

    public init(
        name: String, driver: String = "", config: [String: JSONValue]? = nil,
        csiPluginConfig: TaskCSIPluginConfig? = nil, extra: [String: JSONValue] = [:]
    ) {
        self.name = name
        self.driver = driver
        self.config = config
        self.csiPluginConfig = csiPluginConfig
        self.extra = extra
    }
}

/// A task's `csi_plugin` block: the task runs a CSI plugin of this ID and role.
public struct TaskCSIPluginConfig: Sendable, Hashable {
    public var id: String
    public var type: String
    public var mountDir: String
    public var stagePublishBaseDir: String
    /// Nanoseconds, as Go encodes a `time.Duration`.
    public var healthTimeout: Int64

    public init(id: String, type: String, mountDir: String = "", stagePublishBaseDir: String = "", healthTimeout: Int64 = 0) {
        self.id = id
        self.type = type
        self.mountDir = mountDir
        self.stagePublishBaseDir = stagePublishBaseDir
        self.healthTimeout = healthTimeout
    }

    public static let types: Set<String> = ["node", "controller", "monolith"]

    public var runsController: Bool { type == "controller" || type == "monolith" }
    public var runsNode: Bool { type == "node" || type == "monolith" }

    mutating func canonicalize() {
        if mountDir.isEmpty { mountDir = "/csi" }
        if stagePublishBaseDir.isEmpty { stagePublishBaseDir = "/local/csi" }
        if healthTimeout == 0 { healthTimeout = 30_000_000_000 }
    }
}

/// A task group's request for a volume.
public struct VolumeRequest: Sendable, Hashable {
    public var name: String
    public var type: String
    public var source: String
    public var readOnly: Bool
    public var accessMode: String
    public var attachmentMode: String
    public var perAlloc: Bool
    public var extra: [String: JSONValue]

    public init(
        name: String = "", type: String = "", source: String = "", readOnly: Bool = false,
        accessMode: String = "", attachmentMode: String = "", perAlloc: Bool = false, extra: [String: JSONValue] = [:]
    ) {
        self.name = name
        self.type = type
        self.source = source
        self.readOnly = readOnly
        self.accessMode = accessMode
        self.attachmentMode = attachmentMode
        self.perAlloc = perAlloc
        self.extra = extra
    }
}
