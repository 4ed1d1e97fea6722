import CaravanRaft
import CaravanState
import CaravanStorage

/// One simulated server: the real raft core, the real write-ahead log and stable store on a
/// simulated disk of its own, the real state machine, and the real wake rule of blocking
/// queries, driven by the simulation's clock. It can crash (unsynced writes are lost, kept or
/// torn as the run's generator decides), restart from what its disk kept, and pause.
struct SimulatedServer {
    let id: NodeID
    private(set) var raft: Raft
    private(set) var machine = StateMachine()
    /// The long-poll clients parked on this server, by client number.
    var watches = WatchTable<Int>()
    private var log: WriteAheadLog
    private let disk = SimulatedDisk()
    private let stable: FileStableStore
    private var savedVote = HardState()
    private let options: RaftOptions
    private let mutation: SimulationMutation?
    private(set) var isUp = true
    /// The tick a paused server resumes at; it neither ticks nor hears messages until then.
    var pausedUntil: UInt64?

    init(id: NodeID, configuration: Configuration, seed: UInt64, maxEntriesPerMessage: Int, mutation: SimulationMutation?) throws {
        self.id = id
        var options = RaftOptions(id: id, randomSeed: seed)
        options.electionTicks = 10
        options.maxEntriesPerMessage = maxEntriesPerMessage
        #if DEBUG
            options.mutation = mutation?.raftMutation
        #endif
        self.options = options
        self.mutation = mutation
        stable = FileStableStore(storage: disk.directory("stable"))
        let (hardState, entries) = Raft.bootstrap(configuration)
        log = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 1 << 20))
        try log.append(entries)
        try stable.save(TermAndVote(term: hardState.term, votedFor: ""))
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

    /// Handles one `Ready`: persists entries and vote, applies committed entries (reporting each
    /// to `applied`), and returns the messages to send and the read indexes granted.
    mutating func processReady(applied: (LogEntry, AppliedEntry) throws -> Void) throws -> (messages: [Message], reads: [ReadState]) {
        guard isRunning, raft.hasReady else { return ([], []) }
        let ready = raft.ready()
        if let first = ready.entries.first {
            if first.index <= log.lastIndex { try log.truncate(after: first.index - 1) }
            try log.append(ready.entries)
        }
        if let hardState = ready.hardState, hardState.term != savedVote.term || hardState.vote != savedVote.vote {
            try stable.save(TermAndVote(term: hardState.term, votedFor: hardState.vote == 0 ? "" : String(hardState.vote)))
            savedVote = hardState
        }
        for entry in ready.committedEntries {
            try applied(entry, machine.apply(entry))
        }
        raft.advance(ready)
        return (ready.messages, ready.readStates)
    }

    /// Stops the server: its disk keeps what was synced, and each unsynced write is lost, kept
    /// or torn as `random` decides. Parked long-poll clients lose their connections.
    mutating func crash(random: inout SimulationRandom) -> [Int] {
        log.close()
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

    /// Starts the server again from its disk: the log, term and vote it kept; the state machine
    /// empty, rebuilt as raft hands it the committed entries again.
    mutating func restart() throws {
        log = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 1 << 20))
        let record = try stable.load()
        let hardState = HardState(term: record?.term ?? 0, vote: record.flatMap { NodeID($0.votedFor) } ?? 0, commit: 0)
        savedVote = hardState
        raft = Raft(options: options, hardState: hardState, snapshot: nil, entries: try loggedEntries(through: log.lastIndex))
        machine = StateMachine()
        isUp = true
    }

    /// The state hash of this server's log replayed from scratch through `index`, read back from
    /// its disk.
    func replayedStateHash(through index: UInt64) throws -> String {
        var replay = StateMachine()
        for entry in try loggedEntries(through: index) { _ = replay.apply(entry) }
        return replay.state.stateHash
    }

    private func loggedEntries(through index: UInt64) throws -> [LogEntry] {
        let last = min(index, log.lastIndex)
        return last >= log.firstIndex ? try log.entries(from: log.firstIndex, to: last) : []
    }
}
