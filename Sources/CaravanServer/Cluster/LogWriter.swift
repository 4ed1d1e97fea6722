import CaravanRaft
import NIOPosix
import Synchronization

/// The log a server appends to. Appends to a durable log run on NIO's blocking-I/O thread pool
/// (a write and an `fdatasync` must not hold up the cooperative threads); the lock serialises
/// them with compactions after snapshots, which run on the same pool.
final class LogWriter: Sendable {
    private let storage: Mutex<any LogStorage>
    /// Whether appends touch a disk (and so go to the thread pool).
    let isDurable: Bool

    init(_ storage: sending any LogStorage, isDurable: Bool) {
        self.storage = Mutex(storage)
        self.isDurable = isDurable
    }

    var lastIndex: UInt64 { storage.withLock { $0.lastIndex } }

    func append(_ entries: [LogEntry]) async throws {
        guard isDurable else { return try storage.withLock { try $0.append(entries) } }
        try await NIOThreadPool.singleton.runIfActive { try self.storage.withLock { try $0.append(entries) } }
    }

    /// Lets the log drop entries up to `index`; runs on the calling thread.
    func compact(through index: UInt64) throws {
        try storage.withLock { try $0.compact(through: index) }
    }
}
