public import CaravanRaft
public import CaravanStorage

/// Where a raft server keeps what its core hands out to persist — log entries, its term and
/// vote, snapshots from the leader — written in the order that keeps them consistent through a
/// crash. The agent runs it under a lock on a blocking-I/O thread; the simulator runs the same
/// code over a simulated disk.
public struct RaftStorage: Sendable {
    public private(set) var log: any LogStorage
    /// The term and vote (nil: kept in memory only, under `-dev`).
    public let stable: FileStableStore?
    public let snapshots: SnapshotFiles?
    /// The term and vote last written to the stable store.
    private var savedVote: TermAndVote?

    public init(log: any LogStorage, stable: FileStableStore?, snapshots: SnapshotFiles?, savedVote: TermAndVote?) {
        self.log = log
        self.stable = stable
        self.snapshots = snapshots
        self.savedVote = savedVote
    }

    /// Persists a `Ready`'s snapshot, entries and hard state, in that order. A snapshot whose
    /// last entry this log holds compacts the log up to it (raft kept the entries after it);
    /// otherwise the log restarts after it. The decision is the durable log's, not raft's: raft
    /// may have matched the snapshot against entries of the same `Ready` that are not written yet.
    public mutating func write(snapshot: RaftSnapshot?, entries: [LogEntry], hardState: HardState?) throws -> StoredSnapshot? {
        var stored: StoredSnapshot?
        if let snapshot {
            if let snapshots { stored = try snapshots.install(frame: snapshot.data) }
            let index = snapshot.metadata.index
            if holds(index: index, term: snapshot.metadata.term) {
                try log.compact(through: index)
            } else {
                try log.reset(after: index)
            }
        }
        if let first = entries.first {
            if first.index <= log.lastIndex { try log.truncate(after: first.index - 1) }
            try log.append(entries)
        }
        if let hardState, let stable {
            let record = TermAndVote(term: hardState.term, votedFor: hardState.vote == 0 ? "" : String(hardState.vote))
            if savedVote != record {
                try stable.save(record)
                savedVote = record
            }
        }
        return stored
    }

    /// Whether the log holds the entry at `index` with `term`.
    private func holds(index: UInt64, term: UInt64) -> Bool {
        guard index >= log.firstIndex, index <= log.lastIndex else { return false }
        return (try? log.entries(from: index, to: index))?.first?.term == term
    }

    /// Lets the log drop entries up to `index`.
    public mutating func compact(through index: UInt64) throws {
        try log.compact(through: index)
    }
}
