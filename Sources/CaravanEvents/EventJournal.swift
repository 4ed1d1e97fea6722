public import CaravanState
import DequeModule
import Synchronization

/// The events of the entries a server applied, kept so that a stream can start, or resume, from
/// any index they cover, and the streams waiting for more.
///
/// The applier appends each applied entry's events (``record(_:before:after:)``); streams read
/// from their own cursor (``read(from:limit:)``) and park when they have read everything
/// (``park(_:after:)``). Appending never waits for a stream: a stream that is slow only falls
/// behind, and one that falls behind what the journal keeps learns it from ``read(from:limit:)``.
///
/// The journal covers every index from ``coveredFrom`` on: the entries this server applied since
/// it started from its snapshot, or since it installed one, at most `capacity` batches and no
/// further back than the log is compacted (``trim(through:)``).
public final class EventJournal: Sendable {
    /// What a stream at a cursor may read next.
    public enum Read: Sendable {
        /// The batches from the cursor on (possibly none), and the cursor after them.
        case batches([EventBatch], next: UInt64)
        /// The events from the cursor up to `resumingAt` are no longer kept (or were never seen
        /// by this server); reading goes on from `resumingAt`.
        case gap(resumingAt: UInt64)
    }

    /// Why a parked stream resumed.
    public enum Wake: Sendable, Equatable {
        /// An entry with events past the stream's cursor was applied, or the journal restarted.
        case appended
        /// ``expire(_:)`` was called for it: a heartbeat is due.
        case expired
        /// The journal closed (the server is stopping), the reservation was released, or the
        /// task was cancelled: the stream ends.
        case closed
    }

    private struct Storage {
        var batches: Deque<EventBatch> = []
        /// The first index whose events are all kept (if it had any).
        var coveredFrom: UInt64
        var appliedIndex: UInt64
        var parked: [UInt64: CheckedContinuation<Wake, Never>] = [:]
        /// Open reservations, and whether each was expired since its last park.
        var reservations: [UInt64: Bool] = [:]
        var nextID: UInt64 = 0
        var closed = false

        /// The position of the first batch at or after `index`.
        func position(of index: UInt64) -> Int {
            var low = 0
            var high = batches.count
            while low < high {
                let middle = (low + high) / 2
                if batches[middle].index < index { low = middle + 1 } else { high = middle }
            }
            return low
        }

        mutating func wakeAll() -> [CheckedContinuation<Wake, Never>] {
            let waiters = Array(parked.values)
            parked = [:]
            return waiters
        }
    }

    private let storage: Mutex<Storage>
    /// The most batches kept; past it the oldest are dropped.
    public let capacity: Int

    /// A journal that starts after the state at `index` (the snapshot the server started from;
    /// 0 for an empty log).
    public init(after index: UInt64, capacity: Int) {
        precondition(capacity > 0, "an event journal keeps at least one batch")
        storage = Mutex(Storage(coveredFrom: index + 1, appliedIndex: index))
        self.capacity = capacity
    }

    /// The first index the journal covers.
    public var coveredFrom: UInt64 { storage.withLock { $0.coveredFrom } }

    // MARK: Appending

    /// Derives and appends the events of an applied entry (`before`: the state it was applied
    /// to; `after`: the state it made).
    public func record(_ applied: AppliedEntry, before: StateVersion, after: StateVersion) {
        let events =
            applied.command.map { EventDerivation.events(of: $0, at: applied.index, before: before, after: after, changes: applied.changes) }
            ?? []
        append(index: applied.index, events: events)
    }

    /// Appends the events of the entry at `index` and wakes the parked streams; an entry without
    /// events only moves the index, and wakes nobody.
    public func append(index: UInt64, events: [Event]) {
        let batch = events.isEmpty ? nil : EventBatch(index: index, events: events)
        let waiters = storage.withLock { storage in
            precondition(index > storage.appliedIndex, "events must be appended in increasing index order")
            storage.appliedIndex = index
            guard let batch else { return [CheckedContinuation<Wake, Never>]() }
            storage.batches.append(batch)
            if storage.batches.count > capacity {
                let dropped = storage.batches.removeFirst()
                storage.coveredFrom = dropped.index + 1
            }
            return storage.wakeAll()
        }
        for waiter in waiters { waiter.resume(returning: .appended) }
    }

    /// Forgets every event: the server replaced its state with a snapshot at `index`, so the
    /// entries before it were never applied here. Streams behind it read a gap.
    public func restart(after index: UInt64) {
        let waiters = storage.withLock { storage in
            storage.batches = []
            storage.coveredFrom = index + 1
            storage.appliedIndex = index
            return storage.wakeAll()
        }
        for waiter in waiters { waiter.resume(returning: .appended) }
    }

    /// Drops the events of entries at or before `index`: the log no longer holds them.
    public func trim(through index: UInt64) {
        storage.withLock { storage in
            guard index >= storage.coveredFrom else { return }
            let keep = storage.position(of: index + 1)
            storage.batches.removeFirst(keep)
            storage.coveredFrom = index + 1
        }
    }

    // MARK: Reading

    /// What a stream whose next index is `cursor` reads: at most `limit` batches from it on, or
    /// the gap before the first index the journal covers. A cursor of 0 starts at the oldest
    /// event kept, without a gap.
    public func read(from cursor: UInt64, limit: Int) -> Read {
        storage.withLock { storage in
            if cursor == 0 {
                return read(storage, from: storage.coveredFrom, limit: limit)
            }
            if cursor < storage.coveredFrom { return .gap(resumingAt: storage.coveredFrom) }
            return read(storage, from: cursor, limit: limit)
        }
    }

    private func read(_ storage: Storage, from cursor: UInt64, limit: Int) -> Read {
        let start = storage.position(of: cursor)
        let end = min(storage.batches.count, start + limit)
        let batches = Array(storage.batches[start..<end])
        let next = end < storage.batches.count ? storage.batches[end].index : max(cursor, storage.appliedIndex + 1)
        return .batches(batches, next: next)
    }

    // MARK: Waiting

    /// Starts a stream's reservation, for ``park(_:at:)`` and ``expire(_:)``, unless `limit`
    /// reservations are open already (nil then).
    public func reserve(limit: Int = .max) -> UInt64? {
        storage.withLock { storage in
            guard !storage.closed, storage.reservations.count < limit else { return nil }
            storage.nextID += 1
            storage.reservations[storage.nextID] = false
            return storage.nextID
        }
    }

    /// The number of open reservations: streams running.
    public var streamCount: Int { storage.withLock { $0.reservations.count } }

    /// The number of streams parked now, waiting for an entry.
    public var parkedCount: Int { storage.withLock { $0.parked.count } }

    /// Waits until an entry with events at or past `cursor` is appended (at once if any entry at
    /// or past it was: the stream's cursor moves), the journal restarts, ``expire(_:)`` is called
    /// for `id` (at once if it was since the last park), or the stream must end (at once if `id`
    /// is not reserved, or the journal closed).
    public func park(_ id: UInt64, at cursor: UInt64) async -> Wake {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let wake: Wake? = storage.withLock { storage in
                    guard !storage.closed, let expired = storage.reservations[id], !Task.isCancelled else { return .closed }
                    if expired {
                        storage.reservations[id] = false
                        return .expired
                    }
                    if storage.appliedIndex >= cursor || cursor < storage.coveredFrom { return .appended }
                    storage.parked[id] = continuation
                    return nil
                }
                if let wake { continuation.resume(returning: wake) }
            }
        } onCancel: {
            release(id)
        }
    }

    /// Ends every stream, parked or not: the server is stopping.
    public func close() {
        let waiters = storage.withLock { storage in
            storage.closed = true
            return storage.wakeAll()
        }
        for waiter in waiters { waiter.resume(returning: .closed) }
    }

    /// Wakes the stream `id` if it is parked, or makes its next park return at once.
    public func expire(_ id: UInt64) {
        let waiter = storage.withLock { storage -> CheckedContinuation<Wake, Never>? in
            if let waiter = storage.parked.removeValue(forKey: id) { return waiter }
            if storage.reservations[id] != nil { storage.reservations[id] = true }
            return nil
        }
        waiter?.resume(returning: .expired)
    }

    /// Ends a reservation, waking its stream if parked.
    public func release(_ id: UInt64) {
        let waiter = storage.withLock { storage in
            storage.reservations[id] = nil
            return storage.parked.removeValue(forKey: id)
        }
        waiter?.resume(returning: .closed)
    }
}
