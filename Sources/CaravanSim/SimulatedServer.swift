import CaravanDurability
import CaravanRaft
import CaravanState
import CaravanStorage

/// One simulated server: the real raft core; the agent's own persistence (``RaftStorage``) and
/// recovery (``DataDirectory``) code, with the real write-ahead log, stable store and snapshot
/// store, on a simulated disk of its own; the real state machine; and the real wake rule of
/// blocking queries — driven by the simulation's clock. It takes snapshots and compacts its log,
/// can crash (unsynced writes are lost, kept or torn as the run's generator decides), restart
/// from what its disk kept, and pause.
struct SimulatedServer {
    /// How a server snapshots, drawn per run.
    struct SnapshotPolicy {
        /// Entries applied between snapshots; 0 never snapshots.
        var interval: UInt64 = 0
        /// Entries the log keeps before the newest snapshot.
        var trailing: UInt64 = 0
    }

    let id: NodeID
    private(set) var raft: Raft
    private(set) var machine = StateMachine()
    /// The long-poll clients parked on this server, by client number.
    var watches = WatchTable<Int>()
    private let disk = SimulatedDisk()
    private let directory: DataDirectory
    private var storage: RaftStorage
    private let options: RaftOptions
    private let mutation: SimulationMutation?
    private let policy: SnapshotPolicy
    private var snapshotDue: UInt64
    private(set) var isUp = true
    /// The tick a paused server resumes at; it neither ticks nor hears messages until then.
    var pausedUntil: UInt64?
    private(set) var snapshotsTaken = 0
    private(set) var snapshotsInstalled = 0

    static let walOptions = WALOptions(segmentSize: 64 << 10)

    init(id: NodeID, configuration: Configuration, seed: UInt64, profile: FaultProfile, mutation: SimulationMutation?) throws {
        self.id = id
        var options = RaftOptions(id: id, randomSeed: seed)
        options.electionTicks = 10
        options.maxEntriesPerMessage = profile.maxEntriesPerMessage
        options.snapshotChunkBytes = profile.snapshotChunkBytes
        #if DEBUG
            options.mutation = mutation?.raftMutation
        #endif
        self.options = options
        self.mutation = mutation
        policy = SnapshotPolicy(interval: profile.snapshotInterval, trailing: profile.snapshotTrailing)
        snapshotDue = policy.interval
        directory = DataDirectory(path: "s\(id)", wal: disk.directory("wal"), snapshots: disk.directory("snapshots"))
        let (hardState, entries) = Raft.bootstrap(configuration)
        let log = try WriteAheadLog(directory: directory.wal, options: Self.walOptions)
        storage = RaftStorage(log: log, stable: directory.stable, snapshots: directory.snapshots, savedVote: nil)
        _ = try storage.write(snapshot: nil, entries: entries, hardState: hardState)
        raft = Raft(options: options, hardState: hardState, snapshot: nil, entries: entries)
        watches = Self.watchTable(mutation)
    }

    private static func watchTable(_ mutation: SimulationMutation?) -> WatchTable<Int> {
        var table = WatchTable<Int>()
        #if DEBUG
            table.wakesFirstKeyOnly = mutation == .dropWakeup
        #endif
        return table
    }

    /// Up and not paused: it ticks, hears messages and serves clients.
    var isRunning: Bool { isUp && pausedUntil == nil }

    mutating func tick() { if isRunning { raft.tick() } }
    mutating func step(_ message: Message) { if isRunning { raft.step(message) } }

    /// Proposes a command if this server leads; returns the entry's index and term.
    mutating func propose(_ command: [UInt8]) -> (index: UInt64, term: UInt64)? {
        guard isRunning, let index = try? raft.propose([command]) else { return nil }
        return (index, raft.term)
    }

    /// Asks for a read index; false when the server knows no leader to ask.
    mutating func requestRead(_ requestID: UInt64) -> Bool {
        guard isRunning else { return false }
        return (try? raft.requestRead(requestID)) != nil
    }

    /// What one `Ready` did besides applying entries.
    struct Processed {
        var messages: [Message] = []
        var reads: [ReadState] = []
        /// The index of a snapshot from the leader that replaced the state.
        var installedSnapshot: UInt64?
    }

    /// Handles one `Ready` as the agent does: persists the snapshot, entries and vote; installs
    /// the snapshot; applies committed entries (reporting each to `applied`, with the state right
    /// after it); then takes a snapshot of its own when one is due.
    mutating func processReady(applied: (LogEntry, AppliedEntry, StateSnapshot) throws -> Void) throws -> Processed {
        guard isRunning, raft.hasReady else { return Processed() }
        let ready = raft.ready()
        var processed = Processed(messages: ready.messages, reads: ready.readStates)
        let installed = try storage.write(snapshot: ready.snapshot, entries: ready.entries, hardState: ready.hardState)
        if let installed {
            machine = StateMachine(state: try StateSnapshot(decoding: installed.state))
            snapshotsInstalled += 1
            snapshotDue = installed.index + policy.interval
            processed.installedSnapshot = installed.index
        }
        for entry in ready.committedEntries {
            let result = machine.apply(entry)
            try applied(entry, result, machine.state)
        }
        raft.advance(ready)
        try snapshotIfDue()
        return processed
    }

    private mutating func snapshotIfDue() throws {
        guard policy.interval > 0, machine.state.index >= snapshotDue else { return }
        let index = machine.state.index
        let metadata = SnapshotMetadata(index: index, term: raft.entry(at: index)?.term ?? raft.term, configuration: raft.configuration)
        let frame = try directory.snapshots.save(
            index: index, term: metadata.term, configuration: metadata.configuration, state: machine.state.encoded()
        ).frame
        let keepFrom = index > policy.trailing ? index - policy.trailing : 0
        if keepFrom > 0 { try storage.compact(through: keepFrom) }
        raft.snapshotTaken(Snapshot(metadata: metadata, data: frame), compactingThrough: keepFrom)
        snapshotDue = index + policy.interval
        snapshotsTaken += 1
    }

    /// Stops the server: its disk keeps what was synced, and each unsynced write is lost, kept
    /// or torn as `random` decides. Returns the long-poll clients whose connections dropped.
    mutating func crash(random: inout SimulationRandom) -> [Int] {
        (storage.log as? WriteAheadLog)?.close()
        disk.crash { write in
            switch random.below(3) {
            case 0: .lost
            case 1: .kept
            default: .torn(count: random.below(max(1, write.count)))
            }
        }
        isUp = false
        pausedUntil = nil
        let dropped = watches.notifyAll(index: 0)
        watches = Self.watchTable(mutation)
        return dropped
    }

    /// Starts the server again as the agent does: from its newest usable snapshot, the log after
    /// it, and the term and vote it kept; raft then hands it the committed entries again.
    mutating func restart() throws {
        let recovery = try directory.recoverForRaft(options: Self.walOptions)
        let vote = recovery.termAndVote
        storage = RaftStorage(log: recovery.log, stable: directory.stable, snapshots: directory.snapshots, savedVote: vote)
        let snapshot = recovery.snapshot.map {
            Snapshot(metadata: SnapshotMetadata(index: $0.index, term: $0.term, configuration: $0.configuration), data: $0.frame)
        }
        let hardState = HardState(term: vote?.term ?? 0, vote: vote.flatMap { NodeID($0.votedFor) } ?? 0, commit: 0)
        raft = Raft(options: options, hardState: hardState, snapshot: snapshot, entries: recovery.entries)
        machine = StateMachine(state: recovery.state)
        snapshotDue = machine.state.index + policy.interval
        isUp = true
    }

    /// The state hash `caravan replay` would find in this server's data directory at `index`:
    /// its newest snapshot at or before `index`, then its log.
    func replayedStateHash(through index: UInt64) throws -> String {
        var options = Self.walOptions
        options.readOnly = true
        return try directory.recover(options: options, to: index).machine.state.stateHash
    }
}
