import CaravanDurability
import CaravanRaft
import CaravanStorage
import NIOPosix
import Synchronization

/// A server's ``RaftStorage`` behind a lock: durable writes run on NIO's blocking-I/O thread
/// pool so a write and an `fdatasync` never hold up the cooperative threads; the lock serialises
/// them with compactions after snapshots.
final class RaftPersistence: Sendable {
    private let storage: Mutex<RaftStorage>
    let snapshots: SnapshotFiles?
    /// Whether writes touch a disk.
    let isDurable: Bool

    init(log: sending any LogStorage, stable: FileStableStore?, snapshots: SnapshotFiles?, savedVote: TermAndVote?) {
        storage = Mutex(RaftStorage(log: log, stable: stable, snapshots: snapshots, savedVote: savedVote))
        self.snapshots = snapshots
        isDurable = stable != nil
    }

    var lastIndex: UInt64 { storage.withLock { $0.log.lastIndex } }

    /// Persists a ``Ready``'s snapshot, entries and hard state, in that order.
    func persist(snapshot: RaftSnapshot?, entries: [LogEntry], hardState: HardState?) async throws -> StoredSnapshot? {
        guard isDurable else {
            try write(snapshot: nil, entries: entries, hardState: hardState)
            return nil
        }
        return try await NIOThreadPool.singleton.runIfActive {
            try self.write(snapshot: snapshot, entries: entries, hardState: hardState)
        }
    }

    @discardableResult
    private func write(snapshot: RaftSnapshot?, entries: [LogEntry], hardState: HardState?) throws -> StoredSnapshot? {
        try storage.withLock { try $0.write(snapshot: snapshot, entries: entries, hardState: hardState) }
    }

    /// Persists entries and hard state on the calling thread (start-up and bootstrap).
    func persistNow(entries: [LogEntry], hardState: HardState?) throws {
        try write(snapshot: nil, entries: entries, hardState: hardState)
    }

    /// Closes the log's files; nothing is written after it.
    func close() {
        storage.withLock { $0.log.close() }
    }

    /// Lets the log drop entries up to `index`; runs on the calling thread.
    func compact(through index: UInt64) throws {
        try storage.withLock { try $0.compact(through: index) }
    }
}
