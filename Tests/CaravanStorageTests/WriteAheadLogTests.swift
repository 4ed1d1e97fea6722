import CaravanRaft
import CaravanTestSupport
import Foundation
import Testing

@testable import CaravanStorage

/// The segmented write-ahead log.
struct WriteAheadLogTests {
    static func entries(_ range: ClosedRange<UInt64>, term: UInt64 = 1, size: Int = 40) -> [LogEntry] {
        range.map { index in
            LogEntry(index: index, term: term, data: (0..<(size + Int(index % 7))).map { UInt8(truncatingIfNeeded: Int(index) &* 31 &+ $0) })
        }
    }

    /// Segments small enough that tests cross them, and cheap to pre-allocate in memory.
    static let small = WALOptions(segmentSize: 4096)

    static func withDiskDirectory(_ body: (DiskDirectory) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-wal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(try DiskDirectory(path: path))
    }

    @Test("appended entries read back, also after reopening")
    func appendAndReopen() throws {
        try Self.withDiskDirectory { directory in
            var log = try WriteAheadLog(directory: directory)
            #expect(log.firstIndex == 1 && log.lastIndex == 0)
            try log.append(Self.entries(1...3))
            try log.append(Self.entries(4...10, term: 2))
            #expect(try log.entries(from: 2, to: 5) == Self.entries(2...3) + Self.entries(4...5, term: 2))
            log.close()
            let reopened = try WriteAheadLog(directory: directory)
            #expect(reopened.lastIndex == 10)
            #expect(try reopened.entries(from: 1, to: 10) == Self.entries(1...3) + Self.entries(4...10, term: 2))
            #expect(try reopened.term(at: 4) == 2)
        }
    }

    @Test("an append that does not continue the log is refused")
    func gap() throws {
        var log = try WriteAheadLog(directory: SimulatedDisk().directory("wal"), options: Self.small)
        try log.append(Self.entries(1...2))
        #expect(throws: LogError.gap(expected: 3, got: 5)) { try log.append(Self.entries(5...6)) }
    }

    @Test("a full segment rolls over to a new one; reads span segments")
    func rollOver() throws {
        let disk = SimulatedDisk()
        var log = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 1024))
        for start in stride(from: 1 as UInt64, through: 91, by: 10) { try log.append(Self.entries(start...(start + 9))) }
        #expect(log.segmentNames.count > 5)
        #expect(log.segmentNames == log.segmentNames.sorted())
        let reopened = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 1024))
        #expect(try reopened.entries(from: 1, to: 100) == Self.entries(1...100))
    }

    /// Appends that fill `log`'s newest segment up to the room it keeps for one truncation,
    /// truncates into it (using that room), and appends again (into a new segment).
    static func fillTruncateAndRollOver(_ log: inout WriteAheadLog) throws {
        var next: UInt64 = 1
        while log.segmentNames.count == 1 {
            try log.append(Self.entries(next...next, size: 8))
            next += 1
        }
        // The entry that did not fit went to a new segment: truncate back into the first one,
        // and write a new tail into a second segment again.
        let firstSegmentEnd = next - 2
        try log.truncate(after: firstSegmentEnd - 1)
        #expect(log.segmentNames.count == 1)
        var term: UInt64 = 2
        while log.segmentNames.count == 1 {
            try log.append(Self.entries((log.lastIndex + 1)...(log.lastIndex + 1), term: term, size: 8))
            term += 1
        }
    }

    @Test("a truncation into a segment whose room for one a truncation already used rewrites the segment; the log reopens to the same entries")
    func truncationIntoAFullSegment() throws {
        let disk = SimulatedDisk()
        var log = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 1024))
        try Self.fillTruncateAndRollOver(&log)
        #expect(log.segmentNames.count == 2)
        let keep = try log.entries(from: 1, to: 5)
        try log.truncate(after: 5)
        #expect(log.lastIndex == 5)
        #expect(try log.entries(from: 1, to: 5) == keep)
        try log.append(Self.entries(6...8, term: 9))
        let reopened = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 1024))
        #expect(reopened.lastIndex == 8)
        #expect(try reopened.entries(from: 1, to: 8) == keep + Self.entries(6...8, term: 9))
        #expect(reopened.segmentNames.count == 1)
    }

    @Test("a rewrite that a crash interrupted leaves a log that reopens: before the rename the old segment, after it the new")
    func interruptedRewrite() throws {
        let disk = SimulatedDisk()
        let directory = disk.directory("wal")
        var log = try WriteAheadLog(directory: directory, options: WALOptions(segmentSize: 1024))
        try Self.fillTruncateAndRollOver(&log)
        let oldName = log.segmentNames[0]
        let oldBytes = try directory.readAll(oldName)
        let before = try log.entries(from: 1, to: 5)
        try log.truncate(after: 5)
        log.close()
        // After the rename, before the old segment was removed: both segments, one base index.
        try directory.writeAtomically(oldName, oldBytes)
        let afterRename = try WriteAheadLog(directory: directory, options: WALOptions(segmentSize: 1024))
        #expect(afterRename.lastIndex == 5)
        #expect(try afterRename.entries(from: 1, to: 5) == before)
        #expect(afterRename.segmentNames.count == 1)
        afterRename.close()
        // Before the rename: the old segment and a finished temporary file.
        let newName = afterRename.segmentNames[0]
        try directory.rename(newName, to: newName + WriteAheadLog.temporarySuffix)
        try directory.writeAtomically(oldName, oldBytes)
        let beforeRename = try WriteAheadLog(directory: directory, options: WALOptions(segmentSize: 1024))
        #expect(try beforeRename.entries(from: 1, to: 5) == before)
        #expect(beforeRename.lastIndex > 5, "the truncation did not happen")
        #expect(try directory.fileNames().allSatisfy { !$0.hasSuffix(WriteAheadLog.temporarySuffix) })
    }

    @Test("a batch larger than a segment gets a segment of its own size")
    func oversizedBatch() throws {
        let disk = SimulatedDisk()
        var log = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 256))
        try log.append(Self.entries(1...20, size: 100))
        try log.append(Self.entries(21...21))
        #expect(
            try WriteAheadLog(directory: disk.directory("wal"), options: Self.small).entries(from: 1, to: 21) == Self.entries(1...21, size: 100)
                .prefix(20) + Self.entries(21...21))
    }

    @Test("truncating the tail drops entries durably; the log continues from the cut")
    func truncateTail() throws {
        let disk = SimulatedDisk()
        let options = WALOptions(segmentSize: 2048)
        var log = try WriteAheadLog(directory: disk.directory("wal"), options: options)
        for start in stride(from: 1 as UInt64, through: 41, by: 10) { try log.append(Self.entries(start...(start + 9))) }
        try log.truncate(after: 23)
        #expect(log.lastIndex == 23)
        try log.append(Self.entries(24...30, term: 5))
        log.close()
        let reopened = try WriteAheadLog(directory: disk.directory("wal"), options: options)
        #expect(try reopened.entries(from: 1, to: 30) == Self.entries(1...23) + Self.entries(24...30, term: 5))
        #expect(reopened.lastIndex == 30)
    }

    @Test("truncating inside a batch keeps the batch's earlier entries across a reopen")
    func truncateInsideBatch() throws {
        let disk = SimulatedDisk()
        var log = try WriteAheadLog(directory: disk.directory("wal"), options: Self.small)
        try log.append(Self.entries(1...10))
        try log.truncate(after: 4)
        let reopened = try WriteAheadLog(directory: disk.directory("wal"), options: Self.small)
        #expect(try reopened.entries(from: 1, to: 4) == Self.entries(1...4))
        #expect(reopened.lastIndex == 4)
    }

    @Test("compacting removes whole segments covered by a snapshot, oldest first")
    func compactHead() throws {
        let disk = SimulatedDisk()
        let options = WALOptions(segmentSize: 1024)
        var log = try WriteAheadLog(directory: disk.directory("wal"), options: options)
        for start in stride(from: 1 as UInt64, through: 91, by: 10) { try log.append(Self.entries(start...(start + 9))) }
        let before = log.segmentNames.count
        try log.compact(through: 55)
        #expect(log.segmentNames.count < before)
        #expect(log.firstIndex <= 56 && log.firstIndex > 1)
        #expect(throws: LogError.compacted(1)) { try log.entries(from: 1, to: 2) }
        let reopened = try WriteAheadLog(directory: disk.directory("wal"), options: options)
        #expect(reopened.firstIndex == log.firstIndex)
        #expect(try reopened.entries(from: 56, to: 100) == Self.entries(56...100))
    }

    @Test("a log reopened after compaction of everything continues at the right index")
    func compactEverything() throws {
        let disk = SimulatedDisk()
        var log = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 512))
        for start in stride(from: 1 as UInt64, through: 31, by: 10) { try log.append(Self.entries(start...(start + 9))) }
        try log.compact(through: 40)
        try log.append(Self.entries(41...41))
        #expect(try WriteAheadLog(directory: disk.directory("wal"), options: Self.small).entries(from: 41, to: 41) == Self.entries(41...41))
    }

    @Test("a torn last batch is dropped on open, and appends continue where it was")
    func tornTail() throws {
        for keep in [0, 1, 7, 8, 9, 60, 100, 150] {
            let disk = SimulatedDisk()
            var log = try WriteAheadLog(directory: disk.directory("wal"), options: Self.small)
            try log.append(Self.entries(1...5))
            disk.failsSyncs = true
            #expect(throws: LogError.self) { try log.append(Self.entries(6...8)) }
            disk.crash { _ in .torn(count: keep) }
            disk.failsSyncs = false
            var reopened = try WriteAheadLog(directory: disk.directory("wal"), options: Self.small)
            #expect(reopened.lastIndex == 5, "kept \(keep) bytes")
            #expect((reopened.recoveredTornBytes > 0) == (keep > 0), "kept \(keep) bytes")
            try reopened.append(Self.entries(6...7, term: 2))
            let again = try WriteAheadLog(directory: disk.directory("wal"), options: Self.small)
            #expect(try again.entries(from: 1, to: 7) == Self.entries(1...5) + Self.entries(6...7, term: 2))
        }
    }

    @Test("damage before the last batch is a startup error naming the file and offset")
    func corruptionBeforeTail() throws {
        let disk = SimulatedDisk()
        var log = try WriteAheadLog(directory: disk.directory("wal"), options: Self.small)
        try log.append(Self.entries(1...3))
        try log.append(Self.entries(4...6))
        let name = log.segmentNames[0]
        disk.flipBit(file: "wal/" + name, at: SegmentFormat.headerSize + 30)
        let error = #expect(throws: StorageError.self) { _ = try WriteAheadLog(directory: disk.directory("wal"), options: Self.small) }
        #expect(error?.description.contains(name) == true)
        if case .corrupt(let path, let offset, _) = error {
            #expect(path == "wal/" + name)
            #expect(offset == SegmentFormat.headerSize)
        } else {
            Issue.record("expected a corruption error, got \(String(describing: error))")
        }
    }

    @Test("damage in an older segment is a startup error even at its end")
    func corruptionInSealedSegment() throws {
        let disk = SimulatedDisk()
        var log = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 600))
        for start in stride(from: 1 as UInt64, through: 21, by: 5) { try log.append(Self.entries(start...(start + 4))) }
        let first = log.segmentNames[0]
        let size = 600
        // The last nonzero byte of the first segment: inside its last batch's commit frame.
        let bytes = try disk.directory("wal").readAll(first)
        let last = bytes.lastIndex { $0 != 0 }!
        #expect(last < size)
        disk.flipBit(file: "wal/" + first, at: last)
        #expect(throws: StorageError.self) { _ = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 600)) }
    }

    @Test("a missing segment in the middle is an error, not a silent gap")
    func missingSegment() throws {
        let disk = SimulatedDisk()
        var log = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 600))
        for start in stride(from: 1 as UInt64, through: 21, by: 5) { try log.append(Self.entries(start...(start + 4))) }
        try disk.directory("wal").remove(log.segmentNames[1])
        #expect(throws: StorageError.self) { _ = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 600)) }
    }

    @Test("a segment whose creation was cut short by a crash is removed on open")
    func tornSegmentCreation() throws {
        let disk = SimulatedDisk()
        var log = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 512))
        try log.append(Self.entries(1...5))
        disk.failsSyncs = true
        #expect(throws: LogError.self) { try log.append(Self.entries(6...12)) }
        disk.failsSyncs = false
        try disk.directory("wal").sync()
        disk.crash { _ in .lost }
        let reopened = try WriteAheadLog(directory: disk.directory("wal"), options: WALOptions(segmentSize: 512))
        #expect(reopened.lastIndex == 5)
        #expect(reopened.segmentNames.count == 1)
    }

    /// After any crash, reopening yields a prefix of the appended batches that holds every
    /// batch whose append returned.
    @Test("crash at any point: reopen yields a prefix holding every acknowledged batch", arguments: 0..<200)
    func crashProperty(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let disk = SimulatedDisk()
        let options = WALOptions(segmentSize: Int.random(in: 300...4000, using: &random))
        var log = try WriteAheadLog(directory: disk.directory("wal"), options: options)
        var expected: [LogEntry] = []
        var acknowledged = 0
        for _ in 0..<Int.random(in: 1...30, using: &random) {
            let failing = Int.random(in: 0..<12, using: &random) == 0
            disk.failsSyncs = failing
            if !expected.isEmpty, Int.random(in: 0..<10, using: &random) == 0 {
                let cut = Int(max(UInt64.random(in: 0..<UInt64(expected.count), using: &random), log.firstIndex - 1))
                // A truncation that fails may already have dropped entries after the cut, as
                // raft allows: they were never committed.
                acknowledged = min(acknowledged, cut)
                guard (try? log.truncate(after: UInt64(cut))) != nil else { break }
                expected.removeLast(expected.count - cut)
                continue
            }
            let next = UInt64(expected.count + 1)
            let batch = Self.entries(
                next...(next + UInt64.random(in: 0..<8, using: &random)), term: UInt64(expected.count / 10 + 1),
                size: Int.random(in: 0...200, using: &random))
            do {
                try log.append(batch)
                expected += batch
                acknowledged = expected.count
            } catch {
                expected += batch
                break
            }
        }
        disk.failsSyncs = false
        disk.crash { _ in
            switch Int.random(in: 0..<4, using: &random) {
            case 0: .lost
            case 1: .kept
            default: .torn(count: Int.random(in: 0...300, using: &random))
            }
        }
        let reopened = try WriteAheadLog(directory: disk.directory("wal"), options: options)
        let recovered = reopened.lastIndex >= reopened.firstIndex ? try reopened.entries(from: reopened.firstIndex, to: reopened.lastIndex) : []
        #expect(recovered.count >= acknowledged, "seed \(seed)")
        #expect(Array(expected.prefix(recovered.count)) == recovered, "seed \(seed)")
    }

    @Test("bit flips anywhere never crash the open: an error, or a prefix of what was written", arguments: 0..<100)
    func bitFlipProperty(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let disk = SimulatedDisk()
        let options = WALOptions(segmentSize: 1500)
        var log = try WriteAheadLog(directory: disk.directory("wal"), options: options)
        var written: [LogEntry] = []
        for _ in 0..<10 {
            let next = UInt64(written.count + 1)
            let batch = Self.entries(next...(next + UInt64.random(in: 0..<5, using: &random)))
            try log.append(batch)
            written += batch
        }
        let files = disk.allFileNames
        let file = files[Int.random(in: 0..<files.count, using: &random)]
        disk.flipBit(file: file, at: Int.random(in: 0..<disk.size(of: file)!, using: &random), bit: Int.random(in: 0..<8, using: &random))
        guard let reopened = try? WriteAheadLog(directory: disk.directory("wal"), options: options) else { return }
        let recovered = try reopened.entries(from: reopened.firstIndex, to: reopened.lastIndex)
        #expect(Array(written.prefix(recovered.count)) == recovered, "seed \(seed)")
    }
}
