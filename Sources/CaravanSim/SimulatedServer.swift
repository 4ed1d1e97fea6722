import CaravanRaft
import CaravanState
import CaravanStorage

/// One simulated server: the real raft core, the real write-ahead log on a simulated disk, and
/// the real state machine, driven by the simulation's clock.
struct SimulatedServer {
    let id: NodeID
    var raft: Raft
    var machine = StateMachine()
    private var log: WriteAheadLog
    private(set) var appliedEntries = 0

    init(id: NodeID, configuration: Configuration, seed: UInt64, disk: SimulatedDisk) throws {
        self.id = id
        var options = RaftOptions(id: id, randomSeed: seed)
        options.electionTicks = 10
        let (hardState, entries) = Raft.bootstrap(configuration)
        log = try WriteAheadLog(directory: disk.directory("server-\(id)/wal"), options: WALOptions(segmentSize: 1 << 20))
        try log.append(entries)
        raft = Raft(options: options, hardState: hardState, snapshot: nil, entries: entries)
    }

    /// Handles one `Ready`: persists its entries to the log, applies committed entries, and
    /// returns the messages to send.
    mutating func processReady(trace: inout Trace) throws -> [Message] {
        guard raft.hasReady else { return [] }
        let ready = raft.ready()
        if let first = ready.entries.first {
            if first.index <= log.lastIndex { try log.truncate(after: first.index - 1) }
            try log.append(ready.entries)
        }
        for entry in ready.committedEntries {
            let data = entry.kind == .command ? entry.data : Command.noop.encoded()
            _ = machine.apply(index: entry.index, data: data)
            appliedEntries += 1
            trace.record("\(id) applies \(entry.index)/\(entry.term) \(entry.kind)")
        }
        raft.advance(ready)
        return ready.messages
    }
}
