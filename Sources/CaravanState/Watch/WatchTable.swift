/// The bookkeeping behind blocking queries, with no waiting in it: which parked waiter watches
/// which keys, and which waiters an applied entry wakes. ``WatchRegistry`` parks async tasks on
/// it; the simulator parks its simulated long-poll clients on it, so both run the same wake rule.
public struct WatchTable<Waiter> {
    /// The last index announced through ``notify(_:index:)`` or ``notifyAll(index:)``.
    public private(set) var announcedIndex: UInt64
    private var waiters: [UInt64: Waiter] = [:]
    private var keysOf: [UInt64: Set<WatchKey>] = [:]
    private var parkedByKey: [WatchKey: Set<UInt64>] = [:]
    #if DEBUG
        /// A deliberate bug for the simulator to catch: wake only the waiters of an entry's first
        /// changed key. Compiled into debug builds only.
        public var wakesFirstKeyOnly = false
    #endif

    public init(announcedIndex: UInt64 = 0) {
        self.announcedIndex = announcedIndex
    }

    /// The number of waiters parked right now.
    public var parkedCount: Int { waiters.count }

    /// Parks `waiter` under `id` on `keys`, unless an entry was announced after `seenIndex` (the
    /// index of the state version the waiter read): then it must re-read at once, and this
    /// returns false.
    public mutating func park(_ id: UInt64, on keys: Set<WatchKey>, seenIndex: UInt64, waiter: Waiter) -> Bool {
        guard announcedIndex <= seenIndex else { return false }
        waiters[id] = waiter
        keysOf[id] = keys
        for key in keys { parkedByKey[key, default: []].insert(id) }
        return true
    }

    /// Removes a parked waiter; returns it, or nil when `id` is not parked.
    public mutating func unpark(_ id: UInt64) -> Waiter? {
        guard let waiter = waiters.removeValue(forKey: id) else { return nil }
        for key in keysOf.removeValue(forKey: id) ?? [] {
            parkedByKey[key]?.remove(id)
            if parkedByKey[key]?.isEmpty == true { parkedByKey[key] = nil }
        }
        return waiter
    }

    /// Announces that the entry at `index` was applied and changed `changes`; unparks and
    /// returns every waiter parked on one of those keys, ordered by ID.
    public mutating func notify(_ changes: ChangeSet, index: UInt64) -> [Waiter] {
        announcedIndex = max(announcedIndex, index)
        var keys = changes.keys[...]
        #if DEBUG
            if wakesFirstKeyOnly { keys = keys.prefix(1) }
        #endif
        // Take each changed key's whole set first, so that unparking a waiter touches only its
        // other keys instead of shrinking a large set one member at a time.
        var ids: Set<UInt64> = []
        for key in keys {
            if let waiting = parkedByKey.removeValue(forKey: key) { ids.formUnion(waiting) }
        }
        return ids.sorted().compactMap { unpark($0) }
    }

    /// Announces that the whole state was replaced at `index` (a snapshot restore): unparks and
    /// returns every waiter, ordered by ID.
    public mutating func notifyAll(index: UInt64) -> [Waiter] {
        announcedIndex = index
        return waiters.keys.sorted().compactMap { unpark($0) }
    }
}

extension WatchTable: Sendable where Waiter: Sendable {}
