import CaravanEvents
import CaravanModel
import CaravanTestSupport
import Testing

/// The journal of a server's events: what it keeps, what a stream reads from any cursor, and how
/// parked streams wake.
struct EventJournalTests {
    /// A journal after the state at index 0, with one node event at each of `indexes`.
    static func journal(capacity: Int, appending indexes: ClosedRange<UInt64>) -> EventJournal {
        let journal = EventJournal(after: 0, capacity: capacity)
        for index in indexes { journal.append(index: index, events: [event(at: index)]) }
        return journal
    }

    static func event(at index: UInt64) -> Event {
        Event(topic: .node, type: "NodeRegistration", key: "n\(index)", index: index, payload: .node(Fixture.node("n\(index)")))
    }

    /// What `read` returns, as the indexes of the batches and the next cursor, or the gap.
    static func describe(_ read: EventJournal.Read) -> String {
        switch read {
        case .batches(let batches, let next): "\(batches.map(\.index)) next \(next)"
        case .gap(let resumingAt): "gap resuming at \(resumingAt)"
        }
    }

    @Test("a journal keeps at most its capacity of batches: the oldest are dropped, and a cursor before them reads a gap")
    func capacity() {
        let journal = Self.journal(capacity: 3, appending: 1...5)
        #expect(journal.coveredFrom == 3)
        #expect(Self.describe(journal.read(from: 1, limit: 10)) == "gap resuming at 3")
        #expect(Self.describe(journal.read(from: 3, limit: 10)) == "[3, 4, 5] next 6")
        #expect(Self.describe(journal.read(from: 0, limit: 10)) == "[3, 4, 5] next 6", "index 0 asks for the oldest kept, without a gap")
    }

    @Test("a read returns at most its limit of batches, and the cursor of the first it left")
    func limit() {
        let journal = Self.journal(capacity: 10, appending: 1...5)
        #expect(Self.describe(journal.read(from: 2, limit: 2)) == "[2, 3] next 4")
        #expect(Self.describe(journal.read(from: 4, limit: 2)) == "[4, 5] next 6")
        #expect(Self.describe(journal.read(from: 6, limit: 2)) == "[] next 6")
    }

    @Test("an entry without events moves the index a stream reads up to, and keeps no batch")
    func entriesWithoutEvents() {
        let journal = Self.journal(capacity: 2, appending: 1...2)
        for index in UInt64(3)...10 { journal.append(index: index, events: []) }
        #expect(journal.coveredFrom == 1, "entries without events take no room")
        #expect(Self.describe(journal.read(from: 2, limit: 10)) == "[2] next 11")
        #expect(Self.describe(journal.read(from: 7, limit: 10)) == "[] next 11")
    }

    @Test("trimming drops the events of the entries the log no longer holds; a cursor at or before them reads a gap")
    func trim() {
        let journal = Self.journal(capacity: 10, appending: 1...6)
        journal.trim(through: 4)
        #expect(journal.coveredFrom == 5)
        #expect(Self.describe(journal.read(from: 4, limit: 10)) == "gap resuming at 5")
        #expect(Self.describe(journal.read(from: 5, limit: 10)) == "[5, 6] next 7")
        journal.trim(through: 2)
        #expect(journal.coveredFrom == 5, "trimming what is already gone changes nothing")
    }

    @Test("a restart from a snapshot forgets every event and wakes parked streams, which then read a gap")
    func restart() async throws {
        let journal = Self.journal(capacity: 10, appending: 1...3)
        let id = try #require(journal.reserve())
        let parked = Task { await journal.park(id, at: 4) }
        try await eventually("the stream is parked") { journal.parkedCount == 1 }
        journal.restart(after: 20)
        #expect(await parked.value == .appended)
        #expect(Self.describe(journal.read(from: 4, limit: 10)) == "gap resuming at 21")
        journal.append(index: 21, events: [Self.event(at: 21)])
        #expect(Self.describe(journal.read(from: 21, limit: 10)) == "[21] next 22")
    }

    @Test("a parked stream wakes when an entry with events at its cursor is appended, and at once if one already is; an entry without events leaves it parked")
    func parkUntilAppended() async throws {
        let journal = Self.journal(capacity: 10, appending: 1...3)
        let id = try #require(journal.reserve())
        #expect(await journal.park(id, at: 3) == .appended, "index 3 is already there")
        let parked = Task { await journal.park(id, at: 4) }
        try await eventually("the stream is parked") { journal.parkedCount == 1 }
        journal.append(index: 4, events: [])
        #expect(journal.parkedCount == 1, "nothing to send: the stream sleeps on")
        journal.append(index: 5, events: [Self.event(at: 5)])
        #expect(await parked.value == .appended)
    }

    @Test("expiring a stream wakes it for a heartbeat, or makes its next park return at once")
    func expire() async throws {
        let journal = Self.journal(capacity: 10, appending: 1...1)
        let id = try #require(journal.reserve())
        let parked = Task { await journal.park(id, at: 2) }
        try await eventually("the stream is parked") { journal.parkedCount == 1 }
        journal.expire(id)
        #expect(await parked.value == .expired)
        journal.expire(id)
        #expect(await journal.park(id, at: 2) == .expired, "expired while it was not parked")
        let again = Task { await journal.park(id, at: 2) }
        try await eventually("the stream is parked again") { journal.parkedCount == 1 }
        journal.append(index: 2, events: [Self.event(at: 2)])
        #expect(await again.value == .appended, "one expiry is one heartbeat")
    }

    @Test("reservations are bounded; releasing one ends its stream and frees its place; closing ends every stream and refuses new ones")
    func reservations() async throws {
        let journal = Self.journal(capacity: 10, appending: 1...1)
        let first = try #require(journal.reserve(limit: 2))
        let second = try #require(journal.reserve(limit: 2))
        #expect(journal.reserve(limit: 2) == nil)
        let parked = Task { await journal.park(first, at: 2) }
        try await eventually("the stream is parked") { journal.parkedCount == 1 }
        journal.release(first)
        #expect(await parked.value == .closed)
        #expect(await journal.park(first, at: 2) == .closed, "a released reservation parks no more")
        #expect(journal.reserve(limit: 2) != nil)
        let other = Task { await journal.park(second, at: 2) }
        try await eventually("the other stream is parked") { journal.parkedCount == 1 }
        journal.close()
        #expect(await other.value == .closed)
        #expect(journal.reserve() == nil)
    }

    @Test("cancelling a parked stream's task ends it and releases its reservation")
    func cancellation() async throws {
        let journal = Self.journal(capacity: 10, appending: 1...1)
        let id = try #require(journal.reserve())
        let parked = Task { await journal.park(id, at: 2) }
        try await eventually("the stream is parked") { journal.parkedCount == 1 }
        parked.cancel()
        #expect(await parked.value == .closed)
        #expect(journal.streamCount == 0)
    }
}
