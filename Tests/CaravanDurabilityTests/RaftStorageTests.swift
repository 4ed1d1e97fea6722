import CaravanDurability
import CaravanRaft
import CaravanStorage
import Testing

/// What a server persists for raft, and in which order, when a snapshot from the leader arrives.
struct RaftStorageTests {
    static func entries(_ range: ClosedRange<UInt64>, term: UInt64 = 1) -> [LogEntry] {
        range.map { LogEntry(index: $0, term: term, kind: .command, data: [UInt8(truncatingIfNeeded: $0)]) }
    }

    static func storage(holding range: ClosedRange<UInt64>, term: UInt64 = 1) throws -> (RaftStorage, SimulatedDisk) {
        let disk = SimulatedDisk()
        let log = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 64 << 10))
        var storage = RaftStorage(log: log, stable: nil, snapshots: nil, savedVote: nil)
        _ = try storage.write(snapshot: nil, entries: entries(range, term: term), hardState: nil)
        return (storage, disk)
    }

    static func snapshot(index: UInt64, term: UInt64) -> RaftSnapshot {
        RaftSnapshot(metadata: RaftSnapshotMetadata(index: index, term: term, configuration: Configuration()), data: [])
    }

    @Test("a snapshot whose last entry the log holds compacts the log and keeps the entries after it")
    func snapshotTheLogContinues() throws {
        var (storage, _) = try Self.storage(holding: 1...10)
        _ = try storage.write(snapshot: Self.snapshot(index: 6, term: 1), entries: [], hardState: nil)
        #expect(storage.log.lastIndex == 10)
        #expect(try storage.log.entries(from: 7, to: 10) == Self.entries(7...10))
    }

    @Test("a snapshot whose last entry the log holds with another term restarts the log after it")
    func snapshotConflictingWithTheLog() throws {
        var (storage, _) = try Self.storage(holding: 1...10)
        _ = try storage.write(snapshot: Self.snapshot(index: 6, term: 2), entries: Self.entries(7...8, term: 2), hardState: nil)
        #expect(storage.log.lastIndex == 8)
        #expect(try storage.log.entries(from: 7, to: 8) == Self.entries(7...8, term: 2))
    }

    /// Found by the simulator (testdata/sim/regressions.txt): raft matched the snapshot against
    /// entries that arrived in the same batch and were not written yet; the log was compacted
    /// instead of restarted, and the next append failed with a gap.
    @Test("a snapshot beyond the written log, arriving with the entries after it, restarts the log and appends them")
    func snapshotBeyondTheWrittenLog() throws {
        var (storage, _) = try Self.storage(holding: 1...5)
        _ = try storage.write(snapshot: Self.snapshot(index: 8, term: 1), entries: Self.entries(9...12), hardState: nil)
        #expect(storage.log.lastIndex == 12)
        #expect(try storage.log.entries(from: 9, to: 12) == Self.entries(9...12))
    }
}
