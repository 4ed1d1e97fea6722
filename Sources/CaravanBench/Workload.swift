import CaravanModel
import CaravanState

/// The objects the benchmarks feed Caravan: client nodes shaped like real Nomad fingerprints.
enum Workload {
    static let time: Int64 = 1_700_000_000_000_000_000

    /// A node fingerprinting one node plugin (and, for every tenth node, a controller).
    static func node(_ number: Int, plugin: String, round: Int = 0) -> Node {
        let id = "node-\(number)"
        var controller = CSIControllerInfo()
        controller.supportsAttachDetach = true
        controller.supportsListVolumes = true
        let healthy = round % 4 != 3
        let nodeInfo = CSIInfo(
            pluginID: plugin, allocID: "alloc-\(number)", healthy: healthy, healthDescription: healthy ? "healthy" : "probe failed",
            updateTime: "2026-11-29T00:00:\(String(format2: round % 60))Z", provider: "ebs.csi.aws.com", providerVersion: "1.25.0",
            requiresControllerPlugin: true, requiresTopologies: true,
            nodeInfo: CSINodeInfo(
                id: "i-\(number)", maxVolumes: 25,
                accessibleTopology: CSITopology(segments: ["topology.ebs.csi.aws.com/zone": "us-east-1\(["a", "b", "c"][number % 3])"]),
                requiresNodeStageVolume: true
            )
        )
        var controllers: [String: CSIInfo] = [:]
        if number % 10 == 0 {
            var info = nodeInfo
            info.nodeInfo = nil
            info.controllerInfo = controller
            controllers[plugin] = info
        }
        return Node(
            id: id, secretID: "secret-\(number)", name: "ip-10-0-\(number / 256)-\(number % 256)", datacenter: "dc\(number % 3)",
            nodePool: "default", nodeClass: "storage", httpAddr: "10.0.\(number / 256).\(number % 256):4646", status: "ready",
            schedulingEligibility: "eligible",
            attributes: [
                "kernel.name": "linux", "cpu.arch": "amd64", "os.name": "debian", "nomad.version": "1.9.3",
                "unique.network.ip-address": "10.0.\(number / 256).\(number % 256)", "driver.docker": "1",
            ],
            drivers: [
                "docker": DriverInfo(attributes: ["driver.docker.version": "27.3.1"], detected: true, healthy: true, healthDescription: "Healthy")
            ],
            csiControllerPlugins: controllers, csiNodePlugins: [plugin: nodeInfo]
        )
    }

    /// A service job whose one task runs `plugin` as a controller.
    static func pluginJob(_ number: Int, plugin: String) -> Job {
        var job = Job(
            id: "job-\(number)", namespace: "default", type: "service", datacenters: ["dc1", "dc2"],
            taskGroups: [
                TaskGroup(
                    name: "controller", count: 2,
                    tasks: [
                        JobTask(
                            name: "plugin", driver: "docker", config: ["image": .string("example/\(plugin):1")],
                            csiPluginConfig: TaskCSIPluginConfig(id: plugin, type: "controller")
                        )
                    ]
                )
            ]
        )
        job.canonicalize()
        return job
    }

    static func nodeRegister(_ number: Int, plugin: String, round: Int = 0) -> [UInt8] {
        Command.nodeRegister(NodeRegistration(node: node(number, plugin: plugin, round: round), time: time + Int64(round))).encoded()
    }
}

extension String {
    init(format2 value: Int) {
        self = value < 10 ? "0\(value)" : String(value)
    }
}

/// Wall-clock seconds of `body`.
func measure(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func format(_ value: Double) -> String {
    value >= 100 ? String(Int(value.rounded())) : String(Double(Int(value * 100)) / 100)
}

extension Workload {
    /// A volume on `plugin` that any number of allocations may read and write.
    static func volume(_ number: Int, plugin: String) -> CSIVolume {
        CSIVolume(
            id: "vol-\(String(number + 1_000_000).dropFirst())", namespace: "default", name: "db-\(number % 100)", externalID: "vol-0\(number)",
            pluginID: plugin,
            requestedCapabilities: [CSIVolumeCapability(accessMode: CSIAccessMode.multiNodeMultiWriter, attachmentMode: CSIAttachmentMode.fileSystem)],
            mountOptions: CSIMountOptions(fsType: "ext4", mountFlags: ["noatime"]), parameters: ["type": "gp3"],
            requestedCapacityMin: 10 << 30)
    }
}

extension Workload {
    /// A node with no CSI plugins: a change of its status is one Node event and nothing else.
    static func plainNode(_ number: Int) -> Node {
        var node = node(number, plugin: "none")
        node.csiControllerPlugins = [:]
        node.csiNodePlugins = [:]
        return node
    }
}
