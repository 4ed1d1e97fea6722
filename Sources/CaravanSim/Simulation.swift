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
    /// `swarm` draws a fault profile from the seed; `none` runs a perfect network.
    public var faults = Faults.swarm

    /// Which faults a run injects.
    public enum Faults: String, Sendable, CaseIterable {
        case none, swarm
    }

    public init(seed: UInt64) { self.seed = seed }
}

/// The faults one seed injects during the first phase, drawn from the seed (swarm testing:
/// each seed stresses its own mix).
public struct FaultProfile: Sendable, CustomStringConvertible {
    public var lossPercent = 0
    public var duplicatePercent = 0
    public var maximumDelay = 3
    /// Chance per 1,000 ticks that a partition starts (when none is on).
    public var partitionPerMille = 0
    /// Chance per 1,000 ticks that a server crashes.
    public var crashPerMille = 0

    static func draw(_ random: inout SimulationRandom) -> FaultProfile {
        FaultProfile(
            lossPercent: random.below(31), duplicatePercent: random.below(21), maximumDelay: 1 + random.below(5),
            partitionPerMille: random.below(21), crashPerMille: random.below(11))
    }

    public var description: String {
        "loss \(lossPercent)%, duplication \(duplicatePercent)%, delay 1-\(maximumDelay) ticks, partitions \(partitionPerMille)/1000 ticks, crashes \(crashPerMille)/1000 ticks"
    }
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
    public var profile = FaultProfile()
    public var messagesLost = 0
    public var messagesDuplicated = 0
    public var partitions = 0
    public var crashes = 0
    /// Invariant checks run (election safety, state machine safety, leader completeness).
    public var checks = 0
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
        var report = SimulationReport(seed: options.seed)
        report.profile = options.faults == .swarm ? FaultProfile.draw(&random) : FaultProfile(maximumDelay: options.maximumDelay)
        let profile = report.profile
        trace.record("profile: \(profile)")
        let ids = (1...UInt64(max(1, options.servers))).map { $0 }
        let configuration = Configuration(ids.map { Server(id: $0, name: "s\($0)", raftAddress: "", httpAddress: "", isVoter: true) })
        var servers = try ids.map { try SimulatedServer(id: $0, configuration: configuration, seed: random.next()) }
        var network = SimulatedNetwork(maximumDelay: max(1, profile.maximumDelay))
        network.lossPercent = profile.lossPercent
        network.duplicatePercent = profile.duplicatePercent
        var checker = SafetyChecker()
        var roles = servers.map(\.raft.role)
        var partitionEnds: UInt64?
        var restartAt: [Int: UInt64] = [:]

        func position(_ id: NodeID) -> Int? { servers.firstIndex { $0.id == id } }

        func injectFaults(_ now: UInt64) throws {
            if let end = partitionEnds, now >= end {
                network.cut = []
                partitionEnds = nil
                trace.record("partition heals")
            }
            if partitionEnds == nil, random.below(1000) < profile.partitionPerMille, servers.count > 1 {
                let kind = random.below(3)
                var side: Set<NodeID> = []
                switch kind {
                case 0:
                    side = [servers.first { $0.raft.role == .leader }?.id ?? ids[random.below(ids.count)]]
                default:
                    for id in ids where random.chance(50) { side.insert(id) }
                }
                for a in ids {
                    for b in ids where a != b && side.contains(a) != side.contains(b) {
                        // Kind 2 is asymmetric: only messages leaving the chosen side are cut.
                        if kind != 2 || side.contains(a) { network.cut.insert(.init(from: a, to: b)) }
                    }
                }
                partitionEnds = now + 20 + UInt64(random.below(200))
                report.partitions += 1
                trace.record("partition \(["isolates the leader", "splits", "cuts one way from"][kind]) \(side.sorted())")
            }
            for (index, at) in restartAt.sorted(by: { $0.key < $1.key }) where now >= at {
                try servers[index].restart()
                restartAt[index] = nil
                roles[index] = servers[index].raft.role
                trace.record("\(servers[index].id) restarts")
            }
            if random.below(1000) < profile.crashPerMille {
                let index = random.below(servers.count)
                if servers[index].isUp {
                    servers[index].crash(random: &random)
                    restartAt[index] = now + 10 + UInt64(random.below(300))
                    report.crashes += 1
                    trace.record("\(servers[index].id) crashes")
                }
            }
        }

        func step(_ now: UInt64, writing: Bool) throws {
            if writing { try injectFaults(now) }
            for index in servers.indices { servers[index].tick() }
            for message in network.due(at: now) {
                guard let target = position(message.to) else { continue }
                servers[target].step(message)
            }
            if writing, random.chance(options.writePercent), let leader = servers.firstIndex(where: { $0.isUp && $0.raft.role == .leader }) {
                let number = random.below(64)
                let command = Command.nodeRegister(
                    NodeRegistration(node: clientNode(number, healthy: random.chance(80)), time: epoch + Int64(now) * tickNanoseconds))
                if let index = servers[leader].propose(command.encoded()) {
                    report.writesProposed += 1
                    trace.record("\(servers[leader].id) proposes \(index): node-\(number)")
                }
            }
            for index in servers.indices {
                let id = servers[index].id
                let messages = try servers[index].processReady(trace: &trace) { entry in
                    try checker.applied(entry, by: id)
                }
                for message in messages { network.send(message, now: now, random: &random) }
                let raft = servers[index].raft
                if servers[index].isUp, raft.role != roles[index] {
                    roles[index] = raft.role
                    trace.record("\(raft.id) becomes \(raft.role) at term \(raft.term)")
                    if raft.role == .leader {
                        report.elections += 1
                        try checker.elected(raft)
                    }
                }
            }
        }

        var now: UInt64 = 0
        while now < UInt64(options.ticks) {
            now += 1
            try step(now, writing: true)
        }
        // Liveness: heal, restart everyone, stop losing messages; every server must converge.
        network.cut = []
        network.lossPercent = 0
        network.duplicatePercent = 0
        for index in restartAt.keys.sorted() {
            try servers[index].restart()
            roles[index] = servers[index].raft.role
        }
        trace.record("heal at tick \(now)")
        let deadline = now + convergenceTicks
        var converged = false
        while now < deadline, !converged {
            now += 1
            try step(now, writing: false)
            let commits = Set(servers.map(\.raft.commitIndex))
            let applied = Set(servers.map(\.machine.state.index))
            converged = servers.contains { $0.raft.role == .leader } && commits.count == 1 && applied == commits
        }
        report.ticks = now
        report.messagesSent = network.sent
        report.messagesDelivered = network.delivered
        report.messagesLost = network.lost
        report.messagesDuplicated = network.duplicated
        report.checks = checker.checks
        report.appliedIndex = servers.map(\.machine.state.index).min() ?? 0
        report.stateHashes = servers.map(\.machine.state.stateHash)
        trace.record("end at tick \(now): applied \(servers.map(\.machine.state.index)) hashes \(report.stateHashes)")
        report.traceDigest = trace.digest
        report.traceLines = trace.lines
        guard converged else {
            throw SimulationFailure(
                description: "liveness: no convergence \(convergenceTicks) ticks after healing (applied \(servers.map(\.machine.state.index)))")
        }
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
