import CaravanEvents
import CaravanModel
import CaravanTestSupport
import Foundation
import Synchronization
import Testing

/// A stream's pump: what it writes, in what order, and how it ends when its reader is too slow.
struct EventStreamPumpTests {
    /// A reader that takes what the pump writes, and can stop reading: while held, a write waits
    /// until ``let()`` is called, as a client that stopped reading holds a server's write.
    final class Reader: Sendable {
        private struct State {
            var lines: [String] = []
            var held = false
            var waiting: CheckedContinuation<Void, Never>?
        }

        private let state = Mutex(State())

        var lines: [String] { state.withLock { $0.lines } }
        var isWaiting: Bool { state.withLock { $0.waiting != nil } }

        func hold() { state.withLock { $0.held = true } }

        func `let`() {
            let waiting = state.withLock { state in
                state.held = false
                defer { state.waiting = nil }
                return state.waiting
            }
            waiting?.resume()
        }

        func take(_ bytes: [UInt8]) async {
            await withCheckedContinuation { continuation in
                let wait = state.withLock { state in
                    state.lines += String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
                    if state.held { state.waiting = continuation }
                    return state.held
                }
                if !wait { continuation.resume() }
            }
        }
    }

    struct Sink: EventSink {
        let reader: Reader
        mutating func write(_ bytes: [UInt8]) async throws { await reader.take(bytes) }
    }

    static func run(_ journal: EventJournal, from index: UInt64, reader: Reader) throws -> Task<Void, any Error> {
        let id = try #require(journal.reserve())
        let cursor = EventStreamCursor(subscription: EventSubscription(topics: EventSubscription.allTopics, namespaces: ["default"]), startIndex: index)
        return Task {
            var pump = EventStreamPump(journal: journal, cursor: cursor, authorize: { nil })
            var sink = Sink(reader: reader)
            try await pump.run(id, into: &sink)
        }
    }

    static func indexes(_ lines: [String]) -> [Int] {
        lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["Index"] as? Int
        }
    }

    @Test("a stream writes {} first, then a line per batch in index order, then waits for the next entry")
    func writesInOrder() async throws {
        let journal = EventJournalTests.journal(capacity: 10, appending: 1...3)
        let reader = Reader()
        let stream = try Self.run(journal, from: 2, reader: reader)
        try await eventually("the stream has sent what is kept and parked") { journal.parkedCount == 1 }
        journal.append(index: 4, events: [EventJournalTests.event(at: 4)])
        try await eventually("the stream has sent index 4") { Self.indexes(reader.lines) == [2, 3, 4] }
        #expect(reader.lines.first == "{}")
        journal.close()
        try await stream.value
    }

    @Test("a reader that falls behind what the journal keeps gets a last error line naming where; appending never waits for it")
    func slowReaderEnds() async throws {
        let journal = EventJournalTests.journal(capacity: 4, appending: 1...2)
        let reader = Reader()
        let stream = try Self.run(journal, from: 1, reader: reader)
        try await eventually("the stream has sent what is kept and parked") { journal.parkedCount == 1 }
        reader.hold()
        journal.append(index: 3, events: [EventJournalTests.event(at: 3)])
        try await eventually("the pump waits on the reader to take index 3") { reader.isWaiting }
        for index in UInt64(4)...40 { journal.append(index: index, events: [EventJournalTests.event(at: index)]) }
        #expect(journal.coveredFrom == 37, "the journal kept its capacity while the reader was stuck")
        reader.let()
        try await eventually("the stream has sent its last line") { reader.lines.last?.hasPrefix(#"{"Error""#) == true }
        journal.close()
        try await stream.value
        let lines = reader.lines
        #expect(Self.indexes(lines) == [1, 2, 3], "what was read before it fell behind")
        let last = try #require(lines.last)
        #expect(last == #"{"Error":"subscription closed by server, client should resubscribe: the stream fell behind: the events from index 4 are no longer kept"}"#)
        #expect(journal.streamCount == 1, "the pump leaves releasing its reservation to its caller")
    }
}
