public import CaravanModel
public import CaravanState

/// Builders for the nodes, jobs and log commands the tests apply.
public enum Fixture {
    public static let time: Int64 = 1_700_000_000_000_000_000

    public static func controller(_ plugin: String, healthy: Bool = true, requiresController: Bool = true) -> CSIInfo {
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

    public static func nodePlugin(_ plugin: String, healthy: Bool = true, zone: String? = nil) -> CSIInfo {
        CSIInfo(
            pluginID: plugin, healthy: healthy, healthDescription: healthy ? "healthy" : "unhealthy",
            provider: "com.example.\(plugin)", providerVersion: "1.0.0", requiresControllerPlugin: true,
            nodeInfo: CSINodeInfo(
                id: "ext-\(plugin)", maxVolumes: 64, accessibleTopology: zone.map { CSITopology(segments: ["zone": $0]) },
                requiresNodeStageVolume: true
            )
        )
    }

    public static func node(
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

    public static func pluginJob(
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

    /// A seeded random script of `count` commands over 20 nodes, 5 plugins and 6 jobs: node
    /// registrations with controller and node fingerprints (some unhealthy), status changes, job
    /// registrations of every type and plugin role, stops, purges and node purges. Entry `i`
    /// carries time `i`. The same seed gives the same commands.
    public static func randomCommands(count: Int, seed: UInt64) -> [Command] {
        var generator = SplitMix64(seed: seed)
        var commands: [Command] = []
        for step in 0..<count {
            let node = "n\(generator.next() % 20)"
            let plugin = "p\(generator.next() % 5)"
            switch generator.next() % 5 {
            case 0:
                commands.append(
                    .nodeRegister(
                        NodeRegistration(
                            node: Fixture.node(
                                node, controllers: generator.next() % 2 == 0 ? [Fixture.controller(plugin)] : [],
                                nodes: [Fixture.nodePlugin(plugin, healthy: generator.next() % 3 != 0)]),
                            time: Int64(step))))
            case 1:
                commands.append(
                    .nodeStatusUpdate(NodeStatusUpdate(nodeID: node, status: ["ready", "down"][Int(generator.next() % 2)], time: Int64(step))))
            case 2:
                let type = ["service", "system", "batch"][Int(generator.next() % 3)]
                commands.append(
                    .jobRegister(
                        JobRegistration(
                            job: Fixture.pluginJob(
                                "j\(generator.next() % 6)", plugin: plugin, role: ["node", "controller", "monolith"][Int(generator.next() % 3)],
                                type: type, count: Int(generator.next() % 4)),
                            submitTime: Int64(step))))
            case 3:
                commands.append(
                    .jobDeregister(
                        JobDeregistration(
                            namespace: "default", jobID: "j\(generator.next() % 6)", purge: generator.next() % 2 == 0, time: Int64(step))))
            default:
                commands.append(.nodeDeregister(NodeDeregistration(nodeID: node, time: Int64(step))))
            }
        }
        return commands
    }
}
