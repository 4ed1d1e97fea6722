import CaravanRaft
import CaravanStorage
import NIOPosix
import Synchronization

/// Where a server keeps what raft asks it to persist: log entries (the write-ahead log, or
/// memory under `-dev`), its term and vote (the stable store) and snapshots. Durable writes run
/// on NIO's blocking-I/O thread pool so a write and an `fdatasync` never hold up the cooperative
/// threads; the lock serialises them with compactions after snapshots.
final class RaftPersistence: Sendable {
    private let log: Mutex<any LogStorage>
    private let stable: FileStableStore?
    let snapshots: SnapshotStore?
    /// The term and vote last written to the stable store.
    private let savedVote: Mutex<TermAndVote?>

    /// Whether writes touch a disk.
    var isDurable: Bool { stable != nil }

    init(log: sending any LogStorage, stable: FileStableStore?, snapshots: SnapshotStore?, savedVote: TermAndVote?) {
        self.log = Mutex(log)
        self.stable = stable
        self.snapshots = snapshots
        self.savedVote = Mutex(savedVote)
    }

    var lastIndex: UInt64 { log.withLock { $0.lastIndex } }

    /// Persists a ``Ready``'s snapshot, entries and hard state, in that order.
    func persist(snapshot: Snapshot?, entries: [LogEntry], hardState: HardState?, logContinuesSnapshot: Bool) async throws
        -> StoredSnapshot?
    {
        guard isDurable else {
            try write(snapshot: nil, entries: entries, hardState: hardState, logContinuesSnapshot: logContinuesSnapshot)
            return nil
        }
        return try await NIOThreadPool.singleton.runIfActive {
            try self.write(snapshot: snapshot, entries: entries, hardState: hardState, logContinuesSnapshot: logContinuesSnapshot)
        }
    }

    private func write(snapshot: Snapshot?, entries: [LogEntry], hardState: HardState?, logContinuesSnapshot: Bool) throws
        -> StoredSnapshot?
    {
        var stored: StoredSnapshot?
        if let snapshot {
            if let snapshots { stored = try snapshots.install(frame: snapshot.data) }
            try log.withLock { log in
                if logContinuesSnapshot {
                    try log.compact(through: snapshot.metadata.index)
                } else {
                    try log.reset(after: snapshot.metadata.index)
                }
            }
        }
        if let first = entries.first {
            try log.withLock { log in
                if first.index <= log.lastIndex { try log.truncate(after: first.index - 1) }
                try log.append(entries)
            }
        }
        if let hardState, let stable {
            let record = TermAndVote(term: hardState.term, votedFor: hardState.vote == 0 ? "" : String(hardState.vote))
            if savedVote.withLock({ $0 }) != record {
                try stable.save(record)
                savedVote.withLock { $0 = record }
            }
        }
        return stored
    }

    /// Persists entries and hard state on the calling thread (start-up and bootstrap).
    func persistNow(entries: [LogEntry], hardState: HardState?) throws {
        _ = try write(snapshot: nil, entries: entries, hardState: hardState, logContinuesSnapshot: true)
    }

    /// Lets the log drop entries up to `index`; runs on the calling thread.
    func compact(through index: UInt64) throws {
        try log.withLock { try $0.compact(through: index) }
    }
}
