import Synchronization

/// Parks blocking queries on the keys they read and wakes exactly those whose keys an applied
/// entry changed.
///
/// A blocking query holds one *reservation* for its whole life: it reserves an ID, arranges for
/// ``expire(_:)`` to be called at its deadline (the registry itself reads no clock), parks on
/// the keys its last read touched, re-reads when woken, and releases the ID when it answers.
///
/// No wakeup is lost: ``park(_:on:seenIndex:)`` compares the index of the state version the
/// query read with the last index announced through ``notify(_:index:)``; if an entry was applied
/// in between, the query re-reads at once instead of parking.
public final class WatchRegistry: Sendable {
    /// Why a parked query resumed.
    public enum Wake: Sendable, Equatable {
        /// An entry changed one of the watched keys (or the whole state was replaced).
        case changed
        /// The query's deadline passed.
        case expired
        /// The query's task was cancelled.
        case cancelled
    }

    private struct Registry {
        var table: WatchTable<CheckedContinuation<Wake, Never>>
        var nextID: UInt64 = 0
        /// Open reservations, and whether each one's deadline has passed.
        var expired: [UInt64: Bool] = [:]

        mutating func reserve() -> UInt64 {
            nextID += 1
            expired[nextID] = false
            return nextID
        }
    }

    private let registry: Mutex<Registry>

    public init(announcedIndex: UInt64 = 0) {
        registry = Mutex(Registry(table: WatchTable(announcedIndex: announcedIndex)))
    }

    /// The number of queries parked right now.
    public var parkedCount: Int { registry.withLock { $0.table.parkedCount } }

    /// The last index announced through ``notify(_:index:)``.
    public var announcedIndex: UInt64 { registry.withLock { $0.table.announcedIndex } }

    /// The number of open reservations: queries parked, or between two parks.
    public var reservedCount: Int { registry.withLock { $0.expired.count } }

    /// Starts a blocking query's reservation.
    public func reserve() -> UInt64 {
        registry.withLock { $0.reserve() }
    }

    /// Starts a blocking query's reservation unless `limit` reservations are open already; nil
    /// then, and nothing changes.
    public func reserve(limit: Int) -> UInt64? {
        registry.withLock { registry in registry.expired.count < limit ? registry.reserve() : nil }
    }

    /// Ends a reservation; a later ``expire(_:)`` for it is ignored.
    public func release(_ id: UInt64) {
        let waiter = registry.withLock { registry in
            registry.expired[id] = nil
            return registry.table.unpark(id)
        }
        waiter?.resume(returning: .cancelled)
    }

    /// Marks the reservation's deadline as passed, waking it if it is parked. Parking after this
    /// returns ``Wake/expired`` at once.
    public func expire(_ id: UInt64) {
        resume(id, with: .expired)
    }

    /// Waits until an entry applied after `seenIndex` changes one of `keys`, the reservation
    /// expires, or the task is cancelled.
    ///
    /// - Parameter seenIndex: the index of the state version the caller last read.
    public func park(_ id: UInt64, on keys: Set<WatchKey>, seenIndex: UInt64) async -> Wake {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Wake, Never>) in
                let immediate: Wake? = registry.withLock { registry in
                    guard let expired = registry.expired[id] else { return .cancelled }
                    if expired { return .expired }
                    if Task.isCancelled { return .cancelled }
                    return registry.table.park(id, on: keys, seenIndex: seenIndex, waiter: continuation) ? nil : .changed
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            resume(id, with: .cancelled)
        }
    }

    /// Announces that the entry at `index` was applied and changed `changes`; wakes every query
    /// parked on one of those keys.
    public func notify(_ changes: ChangeSet, index: UInt64) {
        let woken = registry.withLock { $0.table.notify(changes, index: index) }
        // Resumed outside the lock: a resumed task may run inline and call back into the registry.
        for continuation in woken { continuation.resume(returning: .changed) }
    }

    /// Announces that the whole state was replaced at `index` (a snapshot restore): every parked
    /// query re-reads.
    public func notifyAll(index: UInt64) {
        let woken = registry.withLock { $0.table.notifyAll(index: index) }
        for continuation in woken { continuation.resume(returning: .changed) }
    }

    private func resume(_ id: UInt64, with wake: Wake) {
        let waiter = registry.withLock { registry in
            if wake == .expired, registry.expired[id] != nil { registry.expired[id] = true }
            return registry.table.unpark(id)
        }
        waiter?.resume(returning: wake)
    }
}
