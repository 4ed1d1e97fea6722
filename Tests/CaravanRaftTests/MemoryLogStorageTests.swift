import Testing

@testable import CaravanRaft

/// The in-memory log storage that `-dev` servers and tests use.
struct MemoryLogStorageTests {
    static func entries(_ range: ClosedRange<UInt64>, term: UInt64 = 1) -> [LogEntry] {
        range.map { LogEntry(index: $0, term: term, data: [UInt8(truncatingIfNeeded: $0)]) }
    }

    @Test("appended entries read back; an empty log has last index 0")
    func appendAndRead() throws {
        var storage = MemoryLogStorage()
        #expect(storage.firstIndex == 1 && storage.lastIndex == 0)
        try storage.append(Self.entries(1...5))
        #expect(try storage.entries(from: 2, to: 4) == Self.entries(2...4))
        #expect(throws: LogError.unavailable(6)) { try storage.entries(from: 1, to: 6) }
    }

    @Test("an append must continue the log")
    func gap() throws {
        var storage = MemoryLogStorage()
        try storage.append(Self.entries(1...2))
        #expect(throws: LogError.gap(expected: 3, got: 4)) { try storage.append(Self.entries(4...4)) }
    }

    @Test("truncating the tail drops later entries and lets the log continue from the cut")
    func truncate() throws {
        var storage = MemoryLogStorage()
        try storage.append(Self.entries(1...5))
        try storage.truncate(after: 2)
        #expect(storage.lastIndex == 2)
        try storage.append(Self.entries(3...3, term: 2))
        #expect(try storage.entries(from: 1, to: 3) == Self.entries(1...2) + Self.entries(3...3, term: 2))
    }

    @Test("compacting drops entries up to an index; reading them is a compaction error")
    func compact() throws {
        var storage = MemoryLogStorage()
        try storage.append(Self.entries(1...5))
        try storage.compact(through: 3)
        #expect(storage.firstIndex == 4 && storage.lastIndex == 5)
        #expect(throws: LogError.compacted(3)) { try storage.entries(from: 3, to: 5) }
        #expect(throws: LogError.compacted(2)) { try storage.truncate(after: 1) }
    }
}
