public import CaravanRaft
public import CaravanState
public import CaravanStorage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What rebuilding the state from a data directory found and did.
public struct Recovery: Sendable {
    /// The state machine after the snapshot and the replayed entries.
    public var machine: StateMachine
    public var log: WriteAheadLog
    /// The snapshot started from (`nil`: the log from its first entry).
    public var snapshotIndex: UInt64?
    public var snapshotFile: String?
    /// Newer snapshots that could not be used, and why.
    public var skippedSnapshots: [String]
    public var entriesReplayed: Int
}

/// A server's data directory: `wal/` (the log's segments) and `snapshots/`.
public struct DataDirectory: Sendable {
    /// Holds the directory for one server: an exclusive `flock` on `DIR/lock`, kept for as long
    /// as the value lives, so that a second agent cannot open the same log.
    public final class Lock: Sendable {
        private let descriptor: Int32

        fileprivate init(path: String) throws(StorageError) {
            let file = path + "/lock"
            descriptor = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw .io(operation: "open", path: file, errno: errno) }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                close(descriptor)
                throw .inconsistent("\(path) is in use by another caravan agent (\(file) is locked)")
            }
        }

        deinit { close(descriptor) }
    }

    /// Takes the directory for this process; fails if another agent holds it.
    public func lock() throws(StorageError) -> Lock { try Lock(path: path) }

    public let path: String
    public let wal: any StorageDirectory
    public let snapshots: SnapshotFiles

    /// Opens (creating if missing) the data directory at `path` on disk.
    public init(path: String) throws(StorageError) {
        self.path = path
        wal = try DiskDirectory(path: path + "/wal")
        snapshots = SnapshotFiles(directory: try DiskDirectory(path: path + "/snapshots"))
    }

    /// A data directory on other storage (a simulated disk).
    public init(path: String, wal: any StorageDirectory, snapshots: any StorageDirectory) {
        self.path = path
        self.wal = wal
        self.snapshots = SnapshotFiles(directory: snapshots)
    }

    /// Rebuilds the state: the newest snapshot that decodes and that the log continues (at or
    /// before `index`, when given), then the log's entries after it, up to `index` or the end.
    public func recover(options: WALOptions, to index: UInt64? = nil) throws(RecoveryError) -> Recovery {
        try Self.reportingRecoveryErrors {
            let newest = try snapshots.loadNewest(through: index ?? .max) { try StateVersion(decoding: $0.state) }
            var wal = options
            if index != nil { wal.readOnly = true }
            let log = try WriteAheadLog(directory: self.wal, options: wal, firstIndex: (newest?.snapshot.index ?? 0) + 1)
            let start = newest?.snapshot.index ?? 0
            guard log.firstIndex <= start + 1 else {
                throw RecoveryError.gap(
                    "the log starts at index \(log.firstIndex) but "
                        + (newest.map { "the newest usable snapshot is at index \($0.snapshot.index)" } ?? "there is no usable snapshot")
                )
            }
            let end = min(index ?? log.lastIndex, log.lastIndex)
            guard end >= start else { throw RecoveryError.gap("the log ends at index \(log.lastIndex), before snapshot \(start)") }
            var machine = StateMachine(state: newest?.value ?? StateVersion())
            var next = start + 1
            while next <= end {
                let last = min(end, next + 4095)
                for entry in try log.entries(from: next, to: last) { _ = machine.apply(entry) }
                next = last + 1
            }
            return Recovery(
                machine: machine, log: log, snapshotIndex: newest?.snapshot.index, snapshotFile: newest?.snapshot.fileName,
                skippedSnapshots: newest?.skipped ?? [],
                entriesReplayed: Int(end - start)
            )
        }
    }
}

/// What a raft server starts from: its newest usable snapshot, the log entries on disk (all of
/// them; which are committed, raft finds out) and its term and vote.
public struct RaftRecovery: Sendable {
    public var snapshot: StoredSnapshot?
    /// The snapshot's state, decoded (empty without a snapshot).
    public var state: StateVersion
    public var log: WriteAheadLog
    public var entries: [LogEntry]
    public var termAndVote: TermAndVote?
    public var skippedSnapshots: [String]
    /// Log entries dropped because the newest snapshot does not continue them (a crash while
    /// installing a snapshot from the leader).
    public var discardedEntries: UInt64
}

extension DataDirectory {
    /// The stable store of the server's term and vote, `DIR/wal/stable` (beside the log it
    /// belongs with; the log reads only `.wal` files).
    public var stable: FileStableStore { FileStableStore(storage: wal) }

    /// Opens the directory for a raft server. Nothing is applied here: raft hands the committed
    /// entries after the snapshot to the state machine once it knows the commit index.
    public func recoverForRaft(options: WALOptions) throws(RecoveryError) -> RaftRecovery {
        try Self.reportingRecoveryErrors {
            let newest = try snapshots.loadNewest { try StateVersion(decoding: $0.state) }
            let start = newest?.snapshot.index ?? 0
            var log = try WriteAheadLog(directory: wal, options: options, firstIndex: start + 1)
            guard log.firstIndex <= start + 1 else {
                throw RecoveryError.gap(
                    "the log starts at index \(log.firstIndex) but "
                        + (newest.map { "the newest usable snapshot is at index \($0.snapshot.index)" } ?? "there is no usable snapshot"))
            }
            var discarded: UInt64 = 0
            if let snapshot = newest?.snapshot {
                let continues =
                    log.firstIndex == snapshot.index + 1
                    || (log.lastIndex >= snapshot.index && (try? log.term(at: snapshot.index)) == snapshot.term)
                if !continues {
                    discarded = log.lastIndex >= log.firstIndex ? log.lastIndex - log.firstIndex + 1 : 0
                    try log.reset(after: snapshot.index)
                }
            }
            let entries = log.lastIndex >= log.firstIndex ? try log.entries(from: log.firstIndex, to: log.lastIndex) : []
            return RaftRecovery(
                snapshot: newest?.snapshot, state: newest?.value ?? StateVersion(), log: log, entries: entries,
                termAndVote: try stable.load(), skippedSnapshots: newest?.skipped ?? [], discardedEntries: discarded)
        }
    }
}

extension DataDirectory {
    /// Runs a recovery, turning whatever it throws into a ``RecoveryError``.
    fileprivate static func reportingRecoveryErrors<T>(_ body: () throws -> T) throws(RecoveryError) -> T {
        do {
            return try body()
        } catch let error as RecoveryError {
            throw error
        } catch let error as StorageError {
            throw .storage(error)
        } catch let error as LogError {
            throw .gap("reading the log: \(error)")
        } catch {
            throw .gap(String(describing: error))
        }
    }
}

/// Why a data directory could not be recovered.
public enum RecoveryError: Error, Sendable, CustomStringConvertible {
    case storage(StorageError)
    /// The snapshots and the log do not cover the history without a hole.
    case gap(String)

    public var description: String {
        switch self {
        case .storage(let error): error.description
        case .gap(let reason): "cannot rebuild the state: \(reason)"
        }
    }
}
