import CaravanDurability
import CaravanEvents
import CaravanModel
import CaravanRaft
import CaravanState

/// The events the committed log makes, derived apart from every server: the committed entries
/// replayed in order through a state machine of its own, each entry's events derived from the
/// state before and after it. The oracle ``EventStreamChecker`` compares subscribers with: no
/// server's journal, state or snapshot goes into it.
struct CommittedEvents {
    private var machine = StateMachine()
    /// The last committed index replayed.
    private(set) var index: UInt64 = 0
    /// The indexes whose entries made events, in order, and those events, each with its JSON once
    /// a subscriber's line was compared with it (encoded at most once, and only if needed).
    private var indexes: [UInt64] = []
    private var batches: [[(event: Event, json: [UInt8]?)]] = []

    /// Replays the next committed entry.
    mutating func replay(_ entry: LogEntry) throws {
        guard entry.index == index + 1 else {
            throw SimulationFailure("the committed log went from \(index) to \(entry.index): the event oracle cannot replay it")
        }
        let before = machine.state
        let applied = machine.apply(entry)
        let events =
            applied.command.map { EventDerivation.events(of: $0, at: entry.index, before: before, after: machine.state, changes: applied.changes) }
            ?? []
        append(index: entry.index, events: events)
    }

    /// Takes `events` as the committed entry at `index`'s (none: the entry made no event).
    mutating func append(index: UInt64, events: [Event]) {
        precondition(index > self.index, "committed entries come in increasing index order")
        self.index = index
        guard !events.isEmpty else { return }
        indexes.append(index)
        batches.append(events.map { ($0, nil) })
    }

    /// The events of the entry at `index` that `subscription` matches, each with its JSON.
    mutating func events(at index: UInt64, matching subscription: EventSubscription) -> [(event: Event, json: [UInt8])] {
        let position = position(of: index)
        guard position < indexes.count, indexes[position] == index else { return [] }
        var matching: [(event: Event, json: [UInt8])] = []
        for number in batches[position].indices where subscription.matches(batches[position][number].event) {
            let event = batches[position][number].event
            let json = batches[position][number].json ?? JSONWriter.encode(event)
            batches[position][number].json = json
            matching.append((event, json))
        }
        return matching
    }

    /// The first index in `range` with an event `subscription` matches, if any.
    func firstIndex(in range: Range<UInt64>, matching subscription: EventSubscription) -> UInt64? {
        var position = position(of: range.lowerBound)
        while position < indexes.count, indexes[position] < range.upperBound {
            if batches[position].contains(where: { subscription.matches($0.event) }) { return indexes[position] }
            position += 1
        }
        return nil
    }

    /// The position of the first index at or after `index`.
    private func position(of index: UInt64) -> Int {
        var low = 0
        var high = indexes.count
        while low < high {
            let middle = (low + high) / 2
            if indexes[middle] < index { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
