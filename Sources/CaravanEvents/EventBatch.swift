import CaravanModel
import Synchronization

/// The events of one applied log entry, and their JSON, encoded at most once however many
/// streams send them.
public final class EventBatch: Sendable {
    /// The index of the entry that made the events.
    public let index: UInt64
    public let events: [Event]
    private let encoded = Mutex<[[UInt8]]?>(nil)
    private let wholeLine = Mutex<[UInt8]?>(nil)

    public init(index: UInt64, events: [Event]) {
        self.index = index
        self.events = events
    }

    /// Each event's JSON object, in order.
    public var encodedEvents: [[UInt8]] {
        Self.once(encoded) { events.map { JSONWriter.encode($0) } }
    }

    /// The stream line of every event, which most streams send: built once for all of them.
    var line: [UInt8] {
        Self.once(wholeLine) { line(of: Array(encodedEvents.indices)) }
    }

    /// The stream line `{"Index":N,"Events":[…]}` and a newline, of the events at `positions`.
    func line(of positions: [Int]) -> [UInt8] {
        let encoded = encodedEvents
        var line = Array(#"{"Index":\#(index),"Events":["#.utf8)
        line.reserveCapacity(line.count + positions.reduce(4) { $0 + encoded[$1].count + 1 })
        for (number, position) in positions.enumerated() {
            if number > 0 { line.append(UInt8(ascii: ",")) }
            line += encoded[position]
        }
        line += Array("]}\n".utf8)
        return line
    }

    /// The value in `cell`, made by `make` the first time it is asked for.
    private static func once<Value: Sendable>(_ cell: borrowing Mutex<Value?>, _ make: () -> Value) -> Value {
        if let done = cell.withLock({ $0 }) { return done }
        let fresh = make()
        return cell.withLock { stored in
            if let done = stored { return done }
            stored = fresh
            return fresh
        }
    }
}
