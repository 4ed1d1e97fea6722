import CaravanAdmission
import CaravanCore
import CaravanDurability
import CaravanEvents
import CaravanRaft
import CaravanState
import CaravanStorage

/// One simulated server: the agent's own ``ServerCore`` — the same decisions `caravan agent`
/// makes — wrapped in simulated I/O instead of NIO, a disk and real time. Its data directory is
/// the agent's (`DataDirectory`, `RaftStorage`, the real write-ahead log, stable store and
/// snapshot store) on a simulated disk of its own; it keeps the real wake rule of blocking
/// queries (`WatchTable`) and the agent's event journal, fed as the agent feeds its own. It is
/// driven by the simulation's clock: inputs wait for the tick's batch as they wait in the agent's
/// inbox; each `Ready` is persisted, sent and handed back in the agent's order; snapshots the core
/// asks for are written at once. It can crash (unsynced writes are lost, kept or torn as the
/// run's generator decides), restart from what its disk kept, and pause.
struct SimulatedServer {
    let id: NodeID
    private(set) var core: ServerCore
    /// The long-poll clients parked on this server, by client number.
    var watches = WatchTable<Int>()
    /// The events of the entries this server applied, which its event-stream subscribers read:
    /// fed as the agent's `ServerNode` feeds its own (each applied entry with the state before
    /// it, a restart at an installed snapshot, a trim when the log is compacted), and started
    /// afresh, after the state it recovered, whenever the server restarts.
    private(set) var journal: EventJournal
    /// The state the last applied entry, installed snapshot or recovery left: the state the next
    /// applied entry's events are derived from (the agent's published `StateStore` version).
    private var published: StateVersion
    private let disk = SimulatedDisk()
    private let directory: DataDirectory
    private var storage: RaftStorage
    private let membership: ClusterMembership
    private let durability: DurabilityOptions
    private let profile: FaultProfile
    private let mutation: SimulationMutation?
    /// Seeds raft's election timeouts; a restart keeps it, as a restarted agent keeps its flags.
    private let seed: UInt64
    /// Inputs waiting for this tick's batch.
    private var inputs: [CoreInput] = []
    /// What frames received this tick asked the shell to do at once.
    private var received = CoreOutput()
    private var nextToken: UInt64 = 1
    private(set) var isUp = true
    /// The tick a paused server resumes at; it neither ticks nor hears messages until then.
    var pausedUntil: UInt64?
    private(set) var snapshotsTaken = 0
    private(set) var snapshotsInstalled = 0

    static let walOptions = WALOptions(segmentSize: 64 << 10)
    /// Batches (entries with events) an event journal keeps. Small on purpose: a run commits
    /// about one entry a tick, so a subscriber that stops reading for a few dozen ticks falls
    /// behind, and one that resumes on a server that restarted or installed a snapshot since is
    /// told of a gap; both paths run in every fault-heavy run, not only at the agent's size.
    static let eventJournalCapacity = 32

    var raft: Raft { core.raft }
    var machine: StateMachine { core.machine }

    /// A founder of a new cluster of `founders`, started as `caravan agent -server
    /// -bootstrap-expect N -join …` starts on an empty data directory: it introduces itself to
    /// the other founders, and the founders bootstrap the cluster once each knows all of them.
    /// A lone founder is a one-server cluster from the start.
    init(id: NodeID, founders: [NodeID], seed: UInt64, profile: FaultProfile, mutation: SimulationMutation?) throws {
        try self.init(
            id: id, bootstrapExpect: founders.count, join: founders.filter { $0 != id }, seed: seed, profile: profile, mutation: mutation)
    }

    /// A fresh server joining the running cluster of `members`, started as `caravan agent -server
    /// -join …` starts on an empty data directory: it introduces itself to the members until the
    /// leader adds it (as a non-voter, promoted once it has caught up).
    init(id: NodeID, joining members: [NodeID], seed: UInt64, profile: FaultProfile, mutation: SimulationMutation?) throws {
        try self.init(id: id, bootstrapExpect: 1, join: members, seed: seed, profile: profile, mutation: mutation)
    }

    private init(
        id: NodeID, bootstrapExpect: Int, join: [NodeID], seed: UInt64, profile: FaultProfile, mutation: SimulationMutation?
    ) throws {
        self.id = id
        self.profile = profile
        self.mutation = mutation
        self.seed = seed
        membership = ClusterMembership(
            server: Server(id: id, name: "s\(id)", raftAddress: Self.address(of: id), httpAddress: "", isVoter: true),
            bootstrapExpect: bootstrapExpect, join: join.map(Self.address(of:)))
        durability = DurabilityOptions(snapshotInterval: profile.snapshotInterval, trailingEntries: profile.snapshotTrailing, wal: Self.walOptions)
        directory = DataDirectory(path: "s\(id)", wal: disk.directory("wal"), snapshots: disk.directory("snapshots"))
        (storage, core) = try Self.recover(
            directory: directory, membership: membership, durability: durability, seed: seed, profile: profile, mutation: mutation)
        watches = Self.watchTable(mutation)
        published = core.machine.state
        journal = EventJournal(after: published.index, capacity: Self.eventJournalCapacity)
    }

    /// The raft address of server `id` on the simulated network.
    static func address(of id: NodeID) -> String { "s\(id).sim:4647" }

    /// The raft address this server listens on.
    var address: String { membership.server.raftAddress }

    /// The agent's start: the newest usable snapshot in `directory`, the log after it, and the
    /// term and vote it kept; an empty directory starts the search for the cluster.
    private static func recover(
        directory: DataDirectory, membership: ClusterMembership, durability: DurabilityOptions, seed: UInt64, profile: FaultProfile,
        mutation: SimulationMutation?
    ) throws -> (RaftStorage, ServerCore) {
        let recovery = try directory.recoverForRaft(options: Self.walOptions)
        var storage = RaftStorage(log: recovery.log, stable: directory.stable, snapshots: directory.snapshots, savedVote: recovery.termAndVote)
        let core = Self.core(
            membership: membership, durability: durability, seed: seed, profile: profile, mutation: mutation,
            start: ServerCore.Start(recovery: recovery), storage: &storage)
        return (storage, core)
    }

    /// The agent's core for this server, its raft tuned as the run's profile says.
    private static func core(
        membership: ClusterMembership, durability: DurabilityOptions, seed: UInt64, profile: FaultProfile, mutation: SimulationMutation?,
        start: ServerCore.Start, storage: inout RaftStorage
    ) -> ServerCore {
        ServerCore(
            membership: membership, admission: Admission(aclEnabled: false), durability: durability, electionTicks: 10, randomSeed: seed,
            start: start, takesSnapshots: profile.snapshotInterval > 0,
            tuneRaft: { options in
                options.maxEntriesPerMessage = profile.maxEntriesPerMessage
                options.snapshotChunkBytes = profile.snapshotChunkBytes
                #if DEBUG
                    options.mutation = mutation?.raftMutation
                #endif
            },
            persist: { entries, hardState in _ = try storage.write(snapshot: nil, entries: entries, hardState: hardState) })
    }

    /// Whether the `keep-journal-on-restore` mutation is on.
    private var keepsJournalOnRestore: Bool {
        #if DEBUG
            mutation == .keepJournalOnRestore
        #else
            false
        #endif
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

    mutating func tick() { if isRunning { inputs.append(.tick) } }

    /// Takes a frame from a peer as the agent's transport hands it over on a connection whose TLS
    /// handshake proved the sender a server of the cluster: what it asks at once waits for this
    /// round of processing, and its input for this tick's batch.
    mutating func receive(_ frame: PeerFrame, now: Int64) {
        guard isRunning else { return }
        let (input, output) = core.receive(frame, authenticated: true, now: now)
        received.append(output)
        if let input { inputs.append(input) }
    }

    /// Proposes a command in this tick's batch if this server leads; returns the token its
    /// answer will carry.
    mutating func propose(_ command: [UInt8]) -> UInt64? {
        guard isRunning, core.raft.role == .leader else { return nil }
        defer { nextToken += 1 }
        inputs.append(.propose(command, token: nextToken))
        return nextToken
    }

    /// Asks for a read index in this tick's batch; false when the server knows no leader to ask.
    mutating func requestRead(_ requestID: UInt64) -> Bool {
        guard isRunning, core.raft.role == .leader || core.raft.leader != 0 else { return false }
        inputs.append(.read(requestID: requestID))
        return true
    }

    /// What one round of processing did: the frames to send, in the agent's order, and what the
    /// core asked its shell to do.
    struct Processed {
        var frames: [(frame: PeerFrame, to: Server)] = []
        var output = CoreOutput()

        /// Adds what the core asked for, its frames in the order the agent sends them.
        mutating func take(_ more: CoreOutput) {
            var more = more
            frames += more.frames
            more.frames = []
            output.append(more)
        }
    }

    /// Runs the agent's processing loop once: what this tick's frames asked at once, then this
    /// tick's inputs as one batch; a new cluster founded if the core says so; then every `Ready`
    /// persisted, sent and handed back in the agent's order, and each snapshot the core asks for
    /// written at once (the agent writes it in the background; here no tick passes meanwhile).
    mutating func process() throws -> Processed {
        var processed = Processed()
        guard isRunning else { return processed }
        perform(received, into: &processed)
        received = CoreOutput()
        perform(core.handle(inputs), into: &processed)
        inputs = []
        if let configuration = processed.output.bootstrap {
            let (hardState, entries) = Raft.bootstrap(configuration)
            _ = try storage.write(snapshot: nil, entries: entries, hardState: hardState)
            core.bootstrapped(configuration)
        }
        while let work = core.nextReady() {
            if work.sendsFirst { processed.frames += work.frames }
            let installed = try storage.write(snapshot: work.snapshot, entries: work.entries, hardState: work.hardState)
            if installed != nil { snapshotsInstalled += 1 }
            if !work.sendsFirst { processed.frames += work.frames }
            perform(core.persisted(work, installed: installed), into: &processed)
            while let job = processed.output.snapshot {
                processed.output.snapshot = nil
                let frame = try directory.snapshots.save(
                    index: job.metadata.index, term: job.metadata.term, configuration: job.metadata.configuration, state: job.state.encoded()
                ).frame
                if job.compactThrough > 0 {
                    try storage.compact(through: job.compactThrough)
                    journal.trim(through: job.compactThrough)
                }
                snapshotsTaken += 1
                perform(core.snapshotWritten(job, frame: .success(frame)), into: &processed)
            }
        }
        return processed
    }

    /// Does with one output of the core what the agent's `ServerNode.perform` does with the
    /// event journal, with the agent's own call (``EventJournal/record(_:after:)``: a snapshot
    /// installed restarts the journal after it, then each applied entry's events are recorded
    /// from the state before it); the rest is left to the cluster, which takes `output` from
    /// `processed`.
    private mutating func perform(_ output: CoreOutput, into processed: inout Processed) {
        if keepsJournalOnRestore, let restored = output.restored {
            var kept = output
            kept.restored = nil
            published = restored
            journal.record(kept, after: &published)
        } else {
            journal.record(output, after: &published)
        }
        processed.take(output)
    }

    /// Stops the server: its disk keeps what was synced, and each unsynced write is lost, kept
    /// or torn as `random` decides. Returns the long-poll clients whose connections dropped.
    mutating func crash(random: inout SimulationRandom) -> [Int] {
        storage.log.close()
        disk.crash { write in
            switch random.below(3) {
            case 0: .lost
            case 1: .kept
            default: .torn(count: random.below(max(1, write.count)))
            }
        }
        isUp = false
        pausedUntil = nil
        inputs = []
        received = CoreOutput()
        let dropped = watches.notifyAll(index: 0)
        watches = Self.watchTable(mutation)
        return dropped
    }

    /// Starts the server again as the agent does: from its newest usable snapshot, the log after
    /// it, and the term and vote it kept, with an empty event journal after that state; raft then
    /// hands it the committed entries again.
    mutating func restart() throws {
        (storage, core) = try Self.recover(
            directory: directory, membership: membership, durability: durability, seed: seed, profile: profile, mutation: mutation)
        published = core.machine.state
        journal = EventJournal(after: published.index, capacity: Self.eventJournalCapacity)
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
