import Testing

@testable import CaravanRaft

/// A cluster of one commits what it appends.
struct SingleServerLogTests {
    @Test("a proposal is appended at the next index and committed at once")
    func commitsOnAppend() throws {
        var log = SingleServerLog(storage: MemoryLogStorage())
        #expect(try log.propose([[1], [2]]) == 1...2)
        #expect(log.commitIndex == 2)
        #expect(try log.propose([[3]]) == 3...3)
        #expect(try log.committedEntries().map(\.data) == [[1], [2], [3]])
        #expect(try log.committedEntries().isEmpty, "entries are handed out once")
        #expect(log.appliedIndex == 3)
    }

    @Test("every entry carries the log's term and consecutive indexes")
    func entryNumbering() throws {
        var log = SingleServerLog(storage: MemoryLogStorage(), term: 7)
        _ = try log.propose([[9], [8], [7]])
        let entries = try log.committedEntries()
        #expect(entries.map(\.index) == [1, 2, 3])
        #expect(entries.allSatisfy { $0.term == 7 })
    }

    @Test("an empty proposal changes nothing")
    func emptyProposal() throws {
        var log = SingleServerLog(storage: MemoryLogStorage())
        #expect(try log.propose([]) == nil)
        #expect(log.commitIndex == 0)
    }

    @Test("storage refuses a gap and reads outside the log")
    func storageBounds() throws {
        var storage = MemoryLogStorage()
        #expect(throws: LogError.gap(expected: 1, got: 2)) { try storage.append([LogEntry(index: 2, term: 1, data: [])]) }
        try storage.append([LogEntry(index: 1, term: 1, data: [1])])
        #expect(throws: LogError.unavailable(2)) { try storage.entries(from: 1, to: 2) }
        #expect(throws: LogError.compacted(0)) { try storage.entries(from: 0, to: 1) }
        #expect(try storage.entries(from: 1, to: 1).map(\.data) == [[1]])
    }
}
