import CaravanRaft
public import CaravanState
import CaravanStorage
import NIOPosix

/// Why a write could not be carried out.
public enum SubmitError: Error, Sendable, CustomStringConvertible {
    /// The log could not be appended to; the server refuses writes from then on, since what
    /// is on disk is no longer known.
    case storage(String)
    /// This server serves a read-only view (`caravan replay --serve`).
    case readOnly

    public var description: String {
        switch self {
        case .storage(let reason): "log append failed: \(reason)"
        case .readOnly: "this server is a read-only replay; writes are refused"
        }
    }
}

/// Counters of the write path, for `/v1/agent/self`.
public struct WriteStatistics: Sendable {
    /// Log appends (each one write and one sync on a durable server).
    public var batches = 0
    public var entries = 0
    public var snapshots = 0
    public var lastSnapshotIndex: UInt64 = 0
    /// Why the last background snapshot failed, if it did (the server retries an interval later).
    public var lastSnapshotError: String?
}

/// One Caravan server: its log, its state machine and the state readers see.
///
/// A write goes through ``submit(_:)``: the command is encoded and queued; one append at a time
/// takes every queued entry as one batch (group commit: concurrent writers share one `fdatasync`
/// on a durable server), then the batch's entries are applied in order and each new state
/// version published, waking the blocking queries it concerns; only then does `submit` return.
/// A durable server also snapshots its state every ``DurabilityOptions/snapshotInterval``
/// entries, in the background, and compacts its log behind the snapshot.
public actor ServerNode {
    public nonisolated let store: StateStore
    /// Bytes of torn log tail (a batch a crash interrupted, never acknowledged) that start-up
    /// dropped; 0 after a clean stop.
    public nonisolated let recoveredTornBytes: Int
    private var machine: StateMachine
    private let log: LogWriter
    private let term: UInt64 = 1
    private let readOnly: Bool
    private var nextIndex: UInt64

    private var queue: [(data: [UInt8], waiter: CheckedContinuation<AppliedEntry, any Error>)] = []
    private var appending = false
    private var failure: String?

    private let snapshots: SnapshotStore?
    private let durability: DurabilityOptions
    private var snapshotting = false
    /// The applied index at which the next background snapshot is due.
    private var snapshotDue: UInt64
    public private(set) var statistics = WriteStatistics()

    /// A server whose log lives in memory (`caravan agent -dev`).
    public init() {
        self.init(
            machine: StateMachine(), log: LogWriter(MemoryLogStorage(), isDurable: false), snapshots: nil, durability: DurabilityOptions(),
            readOnly: false)
    }

    /// A server recovered from `directory` (its newest usable snapshot plus the log after it).
    public init(directory: DataDirectory, durability: DurabilityOptions = DurabilityOptions()) throws(RecoveryError) {
        let recovery = try directory.recover(options: durability.wal)
        self.init(
            machine: recovery.machine, log: LogWriter(recovery.log, isDurable: true), snapshots: directory.snapshots,
            durability: durability, readOnly: false, lastSnapshotIndex: recovery.snapshotIndex ?? 0,
            recoveredTornBytes: recovery.log.recoveredTornBytes
        )
    }

    /// A server that serves `machine`'s state and refuses writes (`caravan replay --serve`).
    public init(readOnlyState machine: StateMachine) {
        self.init(
            machine: machine, log: LogWriter(MemoryLogStorage(), isDurable: false), snapshots: nil, durability: DurabilityOptions(), readOnly: true)
    }

    private init(
        machine: StateMachine, log: LogWriter, snapshots: SnapshotStore?, durability: DurabilityOptions, readOnly: Bool,
        lastSnapshotIndex: UInt64 = 0, recoveredTornBytes: Int = 0
    ) {
        self.recoveredTornBytes = recoveredTornBytes
        statistics.lastSnapshotIndex = lastSnapshotIndex
        snapshotDue = lastSnapshotIndex + durability.snapshotInterval
        self.machine = machine
        self.store = StateStore(machine.state)
        self.log = log
        self.snapshots = snapshots
        self.durability = durability
        self.readOnly = readOnly
        nextIndex = max(log.lastIndex, machine.state.index) + 1
    }

    /// The index of the last applied entry.
    public var appliedIndex: UInt64 { machine.state.index }

    /// The index of the last entry in the log.
    public var lastLogIndex: UInt64 { nextIndex - 1 }

    /// Whether writes go to disk.
    public nonisolated var isDurable: Bool { log.isDurable }

    /// Appends `command`, commits and applies it; returns what applying it did.
    public func submit(_ command: Command) async throws(SubmitError) -> AppliedEntry {
        guard !readOnly else { throw .readOnly }
        if let failure { throw .storage(failure) }
        let data = command.encoded()
        do {
            return try await withCheckedThrowingContinuation { waiter in
                queue.append((data, waiter))
                if !appending {
                    appending = true
                    Task { await self.drainQueue() }
                }
            }
        } catch let error as SubmitError {
            throw error
        } catch {
            throw .storage(String(describing: error))
        }
    }

    /// One queued batch on its way to the log.
    private typealias Batch = (entries: [LogEntry], waiters: [CheckedContinuation<AppliedEntry, any Error>], appended: Task<Void, any Error>)

    /// Appends what is queued, one batch per append, until the queue is empty. Appends are
    /// sequential, but the next batch's append starts before the last one's entries are applied,
    /// so the disk and the state machine work side by side.
    private func drainQueue() async {
        var batch = startNextAppend()
        while let current = batch {
            let outcome = await current.appended.result
            batch = startNextAppend()
            switch outcome {
            case .success:
                statistics.batches += 1
                statistics.entries += current.entries.count
                for (entry, waiter) in zip(current.entries, current.waiters) {
                    let applied = machine.apply(index: entry.index, data: entry.data)
                    store.publish(machine.state, changes: applied.changes)
                    waiter.resume(returning: applied)
                }
                snapshotIfDue()
            case .failure(let error):
                failure = failure ?? String(describing: error)
                for waiter in current.waiters { waiter.resume(throwing: SubmitError.storage(failure!)) }
            }
        }
        appending = false
    }

    /// Takes every queued entry as one batch and starts appending it, off the actor.
    private func startNextAppend() -> Batch? {
        guard !queue.isEmpty else { return nil }
        let items = queue
        queue = []
        let first = nextIndex
        let entries = items.indices.map { LogEntry(index: first + UInt64($0), term: term, data: items[$0].data) }
        nextIndex += UInt64(entries.count)
        let (log, failed) = (log, failure)
        let appended = Task.detached {
            if let failed { throw SubmitError.storage(failed) }
            try await log.append(entries)
        }
        return (entries, items.map(\.waiter), appended)
    }

    // MARK: Snapshots

    private func snapshotIfDue() {
        guard let snapshots, !snapshotting, machine.halt == nil,
            machine.state.index >= snapshotDue
        else { return }
        snapshotting = true
        let state = machine.state
        let (term, log, trailing) = (term, log, durability.trailingEntries)
        Task {
            let result: Result<Void, any Error>
            do {
                try await NIOThreadPool.singleton.runIfActive {
                    try Self.writeSnapshot(state, term: term, to: snapshots, compacting: log, keeping: trailing)
                }
                result = .success(())
            } catch {
                result = .failure(error)
            }
            self.snapshotFinished(index: state.index, result)
        }
    }

    private func snapshotFinished(index: UInt64, _ result: Result<Void, any Error>) {
        snapshotting = false
        snapshotDue = max(snapshotDue, index + durability.snapshotInterval)
        switch result {
        case .success:
            statistics.snapshots += 1
            statistics.lastSnapshotIndex = index
            statistics.lastSnapshotError = nil
        case .failure(let error):
            statistics.lastSnapshotError = String(describing: error)
        }
        snapshotIfDue()
    }

    /// Saves `state` as a snapshot, then lets the log drop what it covers but `trailing` entries.
    private static func writeSnapshot(
        _ state: StateSnapshot, term: UInt64, to snapshots: SnapshotStore, compacting log: LogWriter, keeping trailing: UInt64
    ) throws {
        try snapshots.save(index: state.index, term: term, state: state.encoded())
        if state.index > trailing { try log.compact(through: state.index - trailing) }
    }

    /// Takes a snapshot now, in the caller's task; for tests and `caravan operator`.
    public func snapshotNow() throws {
        guard let snapshots else { return }
        let state = machine.state
        try Self.writeSnapshot(state, term: term, to: snapshots, compacting: log, keeping: durability.trailingEntries)
        statistics.snapshots += 1
        statistics.lastSnapshotIndex = state.index
        snapshotDue = state.index + durability.snapshotInterval
    }
}
