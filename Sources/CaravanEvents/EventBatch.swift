import CaravanModel
import Synchronization

/// The events of one applied log entry, and their JSON, encoded at most once however many
/// streams send them.
public final class EventBatch: Sendable {
    /// The index of the entry that made the events.
    public let index: UInt64
    public let events: [Event]
    private let encoded = Mutex<[[UInt8]]?>(nil)

    public init(index: UInt64, events: [Event]) {
        self.index = index
        self.events = events
    }

    /// Each event's JSON object, in order.
    public var encodedEvents: [[UInt8]] {
        if let done = encoded.withLock({ $0 }) { return done }
        let fresh = events.map { JSONWriter.encode($0) }
        return encoded.withLock { stored in
            if let done = stored { return done }
            stored = fresh
            return fresh
        }
    }
}
