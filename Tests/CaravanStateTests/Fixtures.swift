import CaravanModel
import CaravanState

/// Builders for the nodes, jobs and entries the state tests apply.
enum Fixture {
    static let time: Int64 = 1_700_000_000_000_000_000

    static func controller(_ plugin: String, healthy: Bool = true, requiresController: Bool = true) -> CSIInfo {
        var info = CSIControllerInfo()
        info.supportsAttachDetach = true
        info.supportsReadOnlyAttach = true
        info.supportsListVolumes = true
        return CSIInfo(
            pluginID: plugin, healthy: healthy, healthDescription: healthy ? "healthy" : "unhealthy",
            provider: "com.example.\(plugin)", providerVersion: "1.0.0", requiresControllerPlugin: requiresController,
            controllerInfo: info
        )
    }

    static func nodePlugin(_ plugin: String, healthy: Bool = true, zone: String? = nil) -> CSIInfo {
        CSIInfo(
            pluginID: plugin, healthy: healthy, healthDescription: healthy ? "healthy" : "unhealthy",
            provider: "com.example.\(plugin)", providerVersion: "1.0.0", requiresControllerPlugin: true,
            nodeInfo: CSINodeInfo(
                id: "ext-\(plugin)", maxVolumes: 64, accessibleTopology: zone.map { CSITopology(segments: ["zone": $0]) },
                requiresNodeStageVolume: true
            )
        )
    }

    static func node(
        _ id: String, datacenter: String = "dc1", status: String = "ready", controllers: [CSIInfo] = [], nodes: [CSIInfo] = []
    ) -> Node {
        Node(
            id: id, secretID: "secret-\(id)", name: id, datacenter: datacenter, nodePool: "default", status: status,
            schedulingEligibility: "eligible", attributes: ["kernel.name": "linux"],
            drivers: ["docker": DriverInfo(detected: true, healthy: true)],
            csiControllerPlugins: Dictionary(uniqueKeysWithValues: controllers.map { ($0.pluginID, $0) }),
            csiNodePlugins: Dictionary(uniqueKeysWithValues: nodes.map { ($0.pluginID, $0) })
        )
    }

    static func pluginJob(
        _ id: String, plugin: String, role: String, type: String = "service", count: Int = 1,
        namespace: String = "default", datacenters: [String] = ["dc1"]
    ) -> Job {
        var job = Job(
            id: id, namespace: namespace, type: type, datacenters: datacenters,
            taskGroups: [
                TaskGroup(
                    name: "plugin", count: count,
                    tasks: [
                        JobTask(
                            name: "plugin", driver: "docker", config: ["image": .string("example/\(plugin):1")],
                            csiPluginConfig: TaskCSIPluginConfig(id: plugin, type: role)
                        )
                    ]
                )
            ]
        )
        job.canonicalize()
        return job
    }
}

/// A state machine that numbers entries itself, for tests that apply a script of commands.
struct Script {
    var machine = StateMachine()
    var nextIndex: UInt64 = 1

    var state: StateSnapshot { machine.state }

    @discardableResult
    mutating func apply(_ command: Command) -> AppliedEntry {
        defer { nextIndex += 1 }
        return machine.apply(index: nextIndex, data: command.encoded())
    }

    @discardableResult
    mutating func register(_ node: Node) -> AppliedEntry {
        apply(.nodeRegister(NodeRegistration(node: node, time: Fixture.time)))
    }

    @discardableResult
    mutating func register(_ job: Job) -> AppliedEntry {
        apply(.jobRegister(JobRegistration(job: job, submitTime: Fixture.time)))
    }

    @discardableResult
    mutating func purgeNode(_ id: String) -> AppliedEntry {
        apply(.nodeDeregister(NodeDeregistration(nodeID: id, time: Fixture.time)))
    }

    @discardableResult
    mutating func setStatus(_ id: String, _ status: String) -> AppliedEntry {
        apply(.nodeStatusUpdate(NodeStatusUpdate(nodeID: id, status: status, time: Fixture.time)))
    }

    @discardableResult
    mutating func deregisterJob(_ id: String, purge: Bool, namespace: String = "default") -> AppliedEntry {
        apply(.jobDeregister(JobDeregistration(namespace: namespace, jobID: id, purge: purge, time: Fixture.time)))
    }
}
