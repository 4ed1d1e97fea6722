import CaravanRaft
import CaravanState
import CaravanStorage

/// One simulated server: the real raft core, the real write-ahead log and stable store on a
/// simulated disk of its own, and the real state machine, driven by the simulation's clock. It
/// can crash (unsynced writes are lost, kept or torn as the run's generator decides) and
/// restart from what its disk kept.
struct SimulatedServer {
    let id: NodeID
    private(set) var raft: Raft
    private(set) var machine = StateMachine()
    private var log: WriteAheadLog
    private let disk = SimulatedDisk()
    private let stable: FileStableStore
    private var savedVote = HardState()
    private let options: RaftOptions
    private(set) var isUp = true

    init(id: NodeID, configuration: Configuration, seed: UInt64) throws {
        self.id = id
        var options = RaftOptions(id: id, randomSeed: seed)
        options.electionTicks = 10
        self.options = options
        stable = FileStableStore(storage: disk.directory("stable"))
        let (hardState, entries) = Raft.bootstrap(configuration)
        log = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 1 << 20))
        try log.append(entries)
        try stable.save(TermAndVote(term: hardState.term, votedFor: ""))
        raft = Raft(options: options, hardState: hardState, snapshot: nil, entries: entries)
    }

    mutating func tick() { if isUp { raft.tick() } }
    mutating func step(_ message: Message) { if isUp { raft.step(message) } }
    mutating func propose(_ command: [UInt8]) -> UInt64? { isUp ? try? raft.propose([command]) : nil }

    /// Handles one `Ready`: persists entries and vote, applies committed entries (reporting each
    /// to `applied`), and returns the messages to send.
    mutating func processReady(trace: inout Trace, applied: (LogEntry) throws -> Void) throws -> [Message] {
        guard isUp, raft.hasReady else { return [] }
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
            try applied(entry)
            _ = machine.apply(index: entry.index, data: entry.kind == .command ? entry.data : Command.noop.encoded())
            trace.record("\(id) applies \(entry.index)/\(entry.term) \(entry.kind)")
        }
        raft.advance(ready)
        return ready.messages
    }

    /// Stops the server: its disk keeps what was synced, and each unsynced write is lost, kept
    /// or torn as `random` decides.
    mutating func crash(random: inout SimulationRandom) {
        log.close()
        disk.crash { write in
            switch random.below(3) {
            case 0: .lost
            case 1: .kept
            default: .torn(count: random.below(max(1, write.count)))
            }
        }
        isUp = false
    }

    /// Starts the server again from its disk: the log, term and vote it kept; the state machine
    /// empty, rebuilt as raft hands it the committed entries again.
    mutating func restart() throws {
        log = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 1 << 20))
        let record = try stable.load()
        let hardState = HardState(term: record?.term ?? 0, vote: record.flatMap { NodeID($0.votedFor) } ?? 0, commit: 0)
        savedVote = hardState
        let entries = log.lastIndex >= log.firstIndex ? try log.entries(from: log.firstIndex, to: log.lastIndex) : []
        raft = Raft(options: options, hardState: hardState, snapshot: nil, entries: entries)
        machine = StateMachine()
        isUp = true
    }
}
