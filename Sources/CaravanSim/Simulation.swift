import CaravanRaft

/// What a simulation run does.
public struct SimulationOptions: Sendable {
    public var seed: UInt64
    public var servers = 3
    /// Simulated users: a quarter write, a quarter read, half run blocking queries.
    public var clients = 20
    /// Ticks of the first phase, in which faults happen.
    public var ticks = 2_000
    /// Messages take 1 to this many ticks (without swarm faults).
    public var maximumDelay = 3
    /// Keep every event line, not only the digest.
    public var trace = false
    /// `swarm` draws a fault profile from the seed; `none` runs a perfect network.
    public var faults = Faults.swarm
    /// A deliberate bug to run with (debug builds only).
    public var mutation: SimulationMutation?
    /// Keep the committed log in the report, to record it.
    public var recordsLog = false
    /// Writers also send namespace and ACL writes, and jobs in other namespaces (some of which
    /// the state machine refuses). Off by default, so that recorded runs and pinned seeds keep
    /// their random draws.
    public var adminWrites = false
    /// Volume users register, claim, release, detach and deregister CSI volumes, and long-poll
    /// clients watch them; their draws come from a stream of their own.
    public var volumes = true

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
    /// Chance per 1,000 ticks that a server pauses (a stalled process: no timers, no messages).
    public var pausePerMille = 0
    /// Chance per 1,000 ticks that every server crashes at once (a power cut), each losing,
    /// keeping or tearing its unsynced writes; all restart within 20 ticks.
    public var outagePerMille = 0
    /// Entries per AppendEntries; small values let a follower's log grow one entry at a time.
    public var maxEntriesPerMessage = 1_024
    /// The moments at which a server crashes, one time in five, besides the random crashes.
    public var crashPoints: [CrashPoint] = []
    /// Entries applied between a server's snapshots (0: never), the entries its log keeps
    /// behind the newest one, and the InstallSnapshot chunk size.
    public var snapshotInterval: UInt64 = 0
    public var snapshotTrailing: UInt64 = 0
    public var snapshotChunkBytes = 1 << 20

    /// A moment worth crashing at (FoundationDB's BUGGIFY, aimed at raft's persistence).
    public enum CrashPoint: String, Sendable, CaseIterable {
        /// Just after casting a vote (and sending it).
        case afterVoting = "after voting"
        /// Just after winning an election.
        case afterElected = "after being elected"
        /// A leader, just after its commit index moved.
        case afterCommitting = "after committing"
    }

    /// Draws a profile from `random`; the outage rate comes from `outages`, the stream whole-cluster
    /// crashes are drawn from, so that the other draws of a seed stay what they were before
    /// outages existed.
    static func draw(_ random: inout SimulationRandom, outages: inout SimulationRandom) -> FaultProfile {
        var profile = FaultProfile(
            lossPercent: random.below(31), duplicatePercent: random.below(21), maximumDelay: 1 + random.below(5),
            partitionPerMille: random.below(21), crashPerMille: random.below(11), pausePerMille: random.below(11),
            maxEntriesPerMessage: [1, 2, 4, 64, 1_024][random.below(5)],
            crashPoints: CrashPoint.allCases.filter { _ in random.chance(25) },
            snapshotInterval: [0, 16, 64, 256][random.below(4)], snapshotTrailing: [0, 8, 64][random.below(3)],
            snapshotChunkBytes: [512, 4_096, 1 << 20][random.below(3)])
        profile.outagePerMille = [0, 0, 1, 2, 3][outages.below(5)]
        return profile
    }

    public var description: String {
        "loss \(lossPercent)%, duplication \(duplicatePercent)%, delay 1-\(maximumDelay) ticks, partitions \(partitionPerMille)/1000 ticks, crashes \(crashPerMille)/1000 ticks, pauses \(pausePerMille)/1000 ticks, outages \(outagePerMille)/1000 ticks, \(maxEntriesPerMessage) entries per append, crash points [\(crashPoints.map(\.rawValue).joined(separator: ", "))], snapshots every \(snapshotInterval) entries keeping \(snapshotTrailing), \(snapshotChunkBytes)-byte chunks"
    }
}

/// What a run did, and what it ended with.
public struct SimulationReport: Sendable {
    public var seed: UInt64
    public var ticks: UInt64 = 0
    public var clients = 0
    public var profile = FaultProfile()
    public var elections = 0
    public var writesProposed = 0
    /// Namespace and ACL writes among `writesProposed` (with ``SimulationOptions/adminWrites``).
    public var adminWritesProposed = 0
    /// Of those, the ones the state machine refused (as every replica must).
    public var adminWritesRefused = 0
    public var writesCommitted = 0
    /// Volume writes (with ``SimulationOptions/volumes``): proposed, turned away by the leader's
    /// admission before proposing, refused by the state machine, and claims acknowledged.
    public var volumeWritesProposed = 0
    public var volumeWritesDenied = 0
    public var volumeWritesRefused = 0
    public var volumeClaimsAcknowledged = 0
    /// Writes whose client gave up waiting: they may or may not have taken effect.
    public var writesUnanswered = 0
    public var readsAnswered = 0
    public var watchAnswers = 0
    /// What the event-stream subscribers did, by kind: subscribers, connections, lines, events,
    /// gaps announced, indexes in gaps, streams that fell behind.
    public var eventStreams = Tally()
    /// Reads and writes in the history the linearizability checker searched.
    public var operations = 0
    public var linearizability = LinearizabilityVerdict.unknown
    public var messagesSent = 0
    public var messagesDelivered = 0
    public var messagesByKind = Tally()
    /// Faults injected, by kind.
    public var faults = Tally()
    /// Invariant checks made, by kind.
    public var checks = Tally()
    /// The index every server applied at the end, and the state's hash there.
    public var appliedIndex: UInt64 = 0
    public var stateHash = ""
    /// The committed log, when the options asked to record it.
    public var committedLog: [LogEntry] = []
    public var traceDigest = ""
    public var traceLines: [String] = []

    public init(seed: UInt64) { self.seed = seed }
}

/// A violated invariant, or a run that did not converge.
public struct SimulationFailure: Error, CustomStringConvertible {
    public let description: String
    /// The run's events up to the failure, when the options asked for the trace.
    public var traceLines: [String] = []

    public init(_ description: String) { self.description = description }
}

/// A deterministic run of a whole Caravan cluster inside one process: every server's real raft
/// core, write-ahead log (on a simulated disk), state machine and blocking-query wake rule; a
/// simulated network; writers, consistent readers and long-poll clients — all driven by one
/// virtual clock and one seeded generator, so a seed replays the same run, event for event, on
/// any machine. Two phases: a safety phase under the seed's faults, then a liveness phase that
/// heals everything and requires a new write to commit and every server to converge on the
/// committed log within a tick budget. Within the safety phase, every outage (the moment no
/// server is up, from a whole-cluster crash or from single crashes) is a liveness check of its
/// own: faults stop until the restarted cluster has a leader and has committed a write proposed
/// since it went down, within a budget of its own.
public enum Simulation {
    /// The liveness phase's budget.
    static let convergenceTicks: UInt64 = 2_000
    /// Ticks after an outage's last restart by which a write called since must have committed
    /// (30 s of virtual time; elections take about a second).
    static let outageRecoveryTicks: UInt64 = 300

    public static func run(_ options: SimulationOptions) throws -> SimulationReport {
        var cluster = try SimulatedCluster(options: options)
        do {
            return try run(&cluster, options)
        } catch var failure as SimulationFailure {
            failure.traceLines = cluster.trace.lines
            throw failure
        }
    }

    private static func run(_ cluster: inout SimulatedCluster, _ options: SimulationOptions) throws -> SimulationReport {
        while cluster.now < UInt64(options.ticks) { try cluster.step() }
        try cluster.heal()
        let deadline = cluster.now + convergenceTicks
        while cluster.now < deadline, !cluster.hasConverged {
            if cluster.committedAfterHealing { cluster.clientsStartOperations = false }
            try cluster.step()
        }
        guard cluster.hasConverged else {
            throw SimulationFailure(
                "liveness: no convergence \(convergenceTicks) ticks after healing (applied \(cluster.servers.map(\.machine.state.index)), commits \(cluster.servers.map(\.raft.commitIndex)), the leader's voters \(cluster.leaderVoters.map { "\($0)" } ?? "(no leader)"), a write committed after healing: \(cluster.committedAfterHealing))"
            )
        }
        return try cluster.finish(checker: LinearizabilityChecker())
    }
}
