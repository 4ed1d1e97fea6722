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

    private struct Waiter {
        let keys: Set<WatchKey>
        let continuation: CheckedContinuation<Wake, Never>
    }

    private struct Reservation {
        var expired = false
        var waiter: Waiter?
    }

    private struct Registry {
        var announcedIndex: UInt64 = 0
        var nextID: UInt64 = 0
        var reservations: [UInt64: Reservation] = [:]
        var parkedByKey: [WatchKey: Set<UInt64>] = [:]
        var parkedCount = 0

        /// Removes a parked waiter from every index; returns it.
        mutating func unpark(_ id: UInt64) -> Waiter? {
            guard let waiter = reservations[id]?.waiter else { return nil }
            reservations[id]?.waiter = nil
            parkedCount -= 1
            for key in waiter.keys {
                parkedByKey[key]?.remove(id)
                if parkedByKey[key]?.isEmpty == true { parkedByKey[key] = nil }
            }
            return waiter
        }
    }

    private let registry: Mutex<Registry>

    public init(announcedIndex: UInt64 = 0) {
        registry = Mutex(Registry(announcedIndex: announcedIndex))
    }

    /// The number of queries parked right now.
    public var parkedCount: Int { registry.withLock { $0.parkedCount } }

    /// The last index announced through ``notify(_:index:)``.
    public var announcedIndex: UInt64 { registry.withLock { $0.announcedIndex } }

    /// Starts a blocking query's reservation.
    public func reserve() -> UInt64 {
        registry.withLock { registry in
            registry.nextID += 1
            registry.reservations[registry.nextID] = Reservation()
            return registry.nextID
        }
    }

    /// Ends a reservation; a later ``expire(_:)`` for it is ignored.
    public func release(_ id: UInt64) {
        let waiter = registry.withLock { registry in
            let waiter = registry.unpark(id)
            registry.reservations[id] = nil
            return waiter
        }
        waiter?.continuation.resume(returning: .cancelled)
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
                    guard let reservation = registry.reservations[id] else { return .cancelled }
                    if reservation.expired { return .expired }
                    if registry.announcedIndex > seenIndex { return .changed }
                    if Task.isCancelled { return .cancelled }
                    registry.reservations[id]?.waiter = Waiter(keys: keys, continuation: continuation)
                    registry.parkedCount += 1
                    for key in keys { registry.parkedByKey[key, default: []].insert(id) }
                    return nil
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
        let woken: [Waiter] = registry.withLock { registry in
            registry.announcedIndex = max(registry.announcedIndex, index)
            // Take each changed key's whole set first, so that unparking a waiter touches only
            // its other keys instead of shrinking a large set one member at a time.
            var ids: Set<UInt64> = []
            for key in changes.keys {
                if let parked = registry.parkedByKey.removeValue(forKey: key) { ids.formUnion(parked) }
            }
            return ids.compactMap { registry.unpark($0) }
        }
        // Resumed outside the lock: a resumed task may run inline and call back into the registry.
        for waiter in woken { waiter.continuation.resume(returning: .changed) }
    }

    /// Announces that the whole state was replaced at `index` (a snapshot restore): every parked
    /// query re-reads.
    public func notifyAll(index: UInt64) {
        let woken: [Waiter] = registry.withLock { registry in
            registry.announcedIndex = index
            return Array(registry.reservations.keys).compactMap { registry.unpark($0) }
        }
        for waiter in woken { waiter.continuation.resume(returning: .changed) }
    }

    private func resume(_ id: UInt64, with wake: Wake) {
        let waiter = registry.withLock { registry in
            if wake == .expired { registry.reservations[id]?.expired = true }
            return registry.unpark(id)
        }
        waiter?.continuation.resume(returning: wake)
    }
}
