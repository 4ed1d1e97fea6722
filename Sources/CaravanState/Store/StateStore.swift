import Synchronization

/// The state version readers see, and the watches on it.
///
/// The applier publishes each new version here after the state machine builds it; readers take
/// the current version (a constant-time copy) and read it without holding any lock. Publishing
/// the version before announcing its changes is what lets ``WatchRegistry`` lose no wakeup.
public final class StateStore: Sendable {
    fileprivate let current: Mutex<StateVersion>
    public let watches: WatchRegistry

    public init(_ state: StateVersion = StateVersion()) {
        current = Mutex(state)
        watches = WatchRegistry(announcedIndex: state.index)
    }

    /// The latest published version.
    public var state: StateVersion { current.withLock { $0 } }

    /// Makes `version` the current version and wakes the queries parked on `changes`.
    public func publish(_ version: StateVersion, changes: ChangeSet) {
        current.withLock { $0 = version }
        watches.notify(changes, index: version.index)
    }
}

extension StateStore {
    /// Replaces the whole state (a follower installed a snapshot) and wakes every parked query.
    public func restore(_ version: StateVersion) {
        current.withLock { $0 = version }
        watches.notifyAll(index: version.index)
    }
}
