import Synchronization

/// The state version readers see, and the watches on it.
///
/// The applier publishes each new version here after the state machine builds it; readers take
/// the current version (a constant-time copy) and read it without holding any lock. Publishing
/// the version before announcing its changes is what lets ``WatchRegistry`` lose no wakeup.
public final class StateStore: Sendable {
    fileprivate let current: Mutex<StateSnapshot>
    public let watches: WatchRegistry

    public init(_ snapshot: StateSnapshot = StateSnapshot()) {
        current = Mutex(snapshot)
        watches = WatchRegistry(announcedIndex: snapshot.index)
    }

    /// The latest published version.
    public var snapshot: StateSnapshot { current.withLock { $0 } }

    /// Makes `snapshot` the current version and wakes the queries parked on `changes`.
    public func publish(_ snapshot: StateSnapshot, changes: ChangeSet) {
        current.withLock { $0 = snapshot }
        watches.notify(changes, index: snapshot.index)
    }
}

extension StateStore {
    /// Replaces the whole state (a follower installed a snapshot) and wakes every parked query.
    public func restore(_ snapshot: StateSnapshot) {
        current.withLock { $0 = snapshot }
        watches.notifyAll(index: snapshot.index)
    }
}
