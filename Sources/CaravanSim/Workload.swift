import CaravanModel
import CaravanState

/// The commands simulated users send, and how a value written through one is read back: each
/// node registration carries a unique value in its `ebs` plugin's health description, so a read
/// of the node tells which write it saw.
enum Workload {
    static let plugin = "ebs"
    static let roles = ["controller", "node", "monolith"]

    /// Client node `number` fingerprinting the node plugin (healthy or not, flapping from one
    /// registration to the next) and, on some nodes, the controller plugin; `value` marks the write.
    static func nodeRegistration(node number: Int, value: Int, healthy: Bool, controller: Bool, time: Int64) -> Command {
        let info = CSIInfo(
            pluginID: plugin, healthy: healthy, healthDescription: "write \(value)", provider: "ebs.csi.aws.com",
            providerVersion: "1.0.0", requiresControllerPlugin: true,
            nodeInfo: CSINodeInfo(id: "i-\(number)", maxVolumes: 25, accessibleTopology: nil, requiresNodeStageVolume: true))
        var node = Node(
            id: nodeID(number), secretID: "secret-\(number)", name: "client-\(number)", datacenter: "dc1", nodePool: "default",
            status: "ready", schedulingEligibility: "eligible", csiNodePlugins: [plugin: info])
        if controller {
            var controllerInfo = info
            controllerInfo.nodeInfo = nil
            controllerInfo.controllerInfo = CSIControllerInfo()
            node.csiControllerPlugins = [plugin: controllerInfo]
        }
        return .nodeRegister(NodeRegistration(node: node, time: time))
    }

    static func nodeID(_ number: Int) -> String { "node-\(number)" }

    /// The value of the write a read of `node` saw; 0 when the node is not registered.
    static func value(of node: Node?) -> Int {
        guard let description = node?.csiNodePlugins[plugin]?.healthDescription else { return 0 }
        return Int(description.dropFirst("write ".count)) ?? -1
    }

    /// A job running the plugin in `role`, with `count` instances.
    static func pluginJob(role: String, count: Int, namespace: String = "default", time: Int64) -> Command {
        var job = Job(
            id: "\(plugin)-\(role)", namespace: namespace, type: role == "controller" ? "service" : "system", datacenters: ["dc1"],
            taskGroups: [
                TaskGroup(
                    name: role, count: count,
                    tasks: [
                        JobTask(
                            name: "plugin", driver: "docker", config: ["image": .string("ebs-csi-driver:1")],
                            csiPluginConfig: TaskCSIPluginConfig(id: plugin, type: role))
                    ])
            ])
        job.canonicalize()
        return .jobRegister(JobRegistration(job: job, submitTime: time))
    }

    /// A namespace or ACL write, or a job in one of the team namespaces, drawn from `random`.
    /// Some are refused by the state machine (a job in a namespace that does not exist yet, the
    /// deletion of a namespace that still holds a job, an update of a deleted token): replicas
    /// and replays must refuse them alike.
    static func adminWrite(_ random: inout SimulationRandom, time: Int64) -> Command {
        let team = "team-\(random.below(3))"
        let number = random.below(4)
        switch random.below(8) {
        case 0: return .namespaceUpsert([Namespace(name: team, description: "written at \(time)")])
        case 1: return .namespaceDelete([team])
        case 2:
            let rules = "namespace \"\(team)\" { policy = \"\(random.chance(50) ? "read" : "write")\" }"
            return .aclPolicyUpsert([ACLPolicy(name: "policy-\(number)", rules: rules)])
        case 3: return .aclPolicyDelete(["policy-\(number)"])
        case 4, 5:
            let token = ACLToken(
                accessorID: "accessor-\(number)", secretID: "secret-\(number)-\(time)", name: team, type: ACLToken.client,
                policies: ["policy-\(random.below(4))"], createTime: time)
            return .aclTokenUpsert(ACLTokenUpsert(tokens: [token], isUpdate: random.chance(50)))
        case 6: return .aclTokenDelete(["accessor-\(number)"])
        default: return pluginJob(role: roles[random.below(3)], count: 1, namespace: team, time: time)
        }
    }
}
