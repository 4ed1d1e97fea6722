import CaravanModel
import CaravanRaft
import CaravanState
import CaravanStorage

/// What a simulation run does.
public struct SimulationOptions: Sendable {
    public var seed: UInt64
    public var servers = 3
    /// Ticks of the first phase, in which clients write.
    public var ticks = 2_000
    /// Chance per tick, in percent, that a client node registers (or re-registers) with the leader.
    public var writePercent = 30
    /// Messages take 1 to this many ticks.
    public var maximumDelay = 3
    /// Keep every event line, not only the digest.
    public var trace = false

    public init(seed: UInt64) { self.seed = seed }
}

/// What a run did, and what it ended with.
public struct SimulationReport: Sendable {
    public var seed: UInt64
    public var ticks: UInt64 = 0
    public var writesProposed = 0
    public var elections = 0
    public var messagesSent = 0
    public var messagesDelivered = 0
    /// The index every server applied up to at the end.
    public var appliedIndex: UInt64 = 0
    /// Each server's state hash at the end; equal when the replicas converged.
    public var stateHashes: [String] = []
    public var traceDigest = ""
    public var traceLines: [String] = []

    public var converged: Bool { Set(stateHashes).count == 1 }
}

/// A violated safety property, or a run that did not converge.
public struct SimulationFailure: Error, CustomStringConvertible {
    public let description: String
}

/// A deterministic run of a whole Caravan cluster inside one process: every server's real raft
/// core, write-ahead log (on a simulated disk) and state machine, a simulated network that
/// delays and reorders messages, and client nodes registering through the leader — all driven
/// by one virtual clock and one seeded generator, so a seed replays the same run, event for
/// event, on any machine. Two phases: clients write for `ticks` ticks, then writes stop and
/// every server must apply the same log and reach the same state within a tick budget.
public enum Simulation {
    /// Virtual nanoseconds per tick (a 100 ms heartbeat).
    static let tickNanoseconds: Int64 = 100_000_000
    static let epoch: Int64 = 1_764_000_000_000_000_000
    /// The second phase's budget for every server to converge.
    static let convergenceTicks: UInt64 = 2_000

    public static func run(_ options: SimulationOptions) throws -> SimulationReport {
        var random = SimulationRandom(seed: options.seed)
        var trace = Trace(keepsLines: options.trace)
        let disk = SimulatedDisk()
        let ids = (1...UInt64(max(1, options.servers))).map { $0 }
        let configuration = Configuration(ids.map { Server(id: $0, name: "s\($0)", raftAddress: "", httpAddress: "", isVoter: true) })
        var servers = try ids.map { try SimulatedServer(id: $0, configuration: configuration, seed: random.next(), disk: disk) }
        var network = SimulatedNetwork(maximumDelay: max(1, options.maximumDelay))
        var report = SimulationReport(seed: options.seed)
        var leaderOfTerm: [UInt64: NodeID] = [:]
        var roles = servers.map(\.raft.role)

        func step(_ now: UInt64, writing: Bool) throws {
            for index in servers.indices { servers[index].raft.tick() }
            for message in network.due(at: now) {
                guard let target = servers.firstIndex(where: { $0.id == message.to }) else { continue }
                servers[target].raft.step(message)
            }
            if writing, random.chance(options.writePercent), let leader = servers.firstIndex(where: { $0.raft.role == .leader }) {
                let number = random.below(64)
                let command = Command.nodeRegister(
                    NodeRegistration(node: clientNode(number, healthy: random.chance(80)), time: epoch + Int64(now) * tickNanoseconds))
                if let index = try? servers[leader].raft.propose([command.encoded()]) {
                    report.writesProposed += 1
                    trace.record("\(servers[leader].id) proposes \(index): node-\(number)")
                }
            }
            for index in servers.indices {
                for message in try servers[index].processReady(trace: &trace) { network.send(message, now: now, random: &random) }
                let raft = servers[index].raft
                if raft.role != roles[index] {
                    roles[index] = raft.role
                    trace.record("\(raft.id) becomes \(raft.role) at term \(raft.term)")
                    if raft.role == .leader {
                        report.elections += 1
                        if let other = leaderOfTerm[raft.term], other != raft.id {
                            throw SimulationFailure(description: "election safety: \(other) and \(raft.id) both lead term \(raft.term)")
                        }
                        leaderOfTerm[raft.term] = raft.id
                    }
                }
            }
        }

        var now: UInt64 = 0
        while now < UInt64(options.ticks) {
            now += 1
            try step(now, writing: true)
        }
        let deadline = now + convergenceTicks
        while now < deadline {
            now += 1
            try step(now, writing: false)
            let commits = Set(servers.map(\.raft.commitIndex))
            let applied = Set(servers.map(\.machine.state.index))
            if servers.contains(where: { $0.raft.role == .leader }), commits.count == 1, applied.count == 1,
                applied.first == commits.first
            {
                break
            }
        }
        report.ticks = now
        report.messagesSent = network.sent
        report.messagesDelivered = network.delivered
        report.appliedIndex = servers.map(\.machine.state.index).min() ?? 0
        report.stateHashes = servers.map(\.machine.state.stateHash)
        trace.record("end at tick \(now): applied \(servers.map(\.machine.state.index)) hashes \(report.stateHashes)")
        report.traceDigest = trace.digest
        report.traceLines = trace.lines
        return report
    }

    /// Client node `number`, fingerprinting the `ebs` node plugin.
    static func clientNode(_ number: Int, healthy: Bool) -> Node {
        Node(
            id: "node-\(number)", secretID: "secret-\(number)", name: "client-\(number)", datacenter: "dc1", nodePool: "default",
            status: "ready", schedulingEligibility: "eligible",
            csiNodePlugins: ["ebs": CSIInfo(pluginID: "ebs", healthy: healthy, healthDescription: healthy ? "healthy" : "probe failed")])
    }
}
