import CaravanDurability
import CaravanRaft
import CaravanServer
import CaravanState
import CaravanStorage
import CaravanTestSupport
import Foundation
import Testing

/// `testdata/replay/v1` is a data directory recorded by this test's fixture: a log of seeded
/// commands in several segments, with two snapshots. Replaying it must give the recorded state
/// hash, so a change of the log, snapshot or state format that would strand existing data
/// directories fails here. `CARAVAN_REGENERATE=1` re-records it (only for a deliberate format
/// change, with a migration for directories in the field).
///
/// Its snapshots are in state format v1, from before ACLs and namespaces; the recorded hashes
/// are of the recovered state in the current format, and a fresh recording must reach them too.
struct RecordedDataDirectoryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let recorded = root.appendingPathComponent("testdata/replay/v1").path
    static let wal = WALOptions(segmentSize: 16 << 10)

    /// Entries, the index of each snapshot, and how the recorded directory is made.
    static let entryCount = 400
    static let snapshotIndexes: [UInt64] = [150, 300]

    static func record(into path: String) throws -> (hash: String, hashAtSnapshot: String) {
        try? FileManager.default.removeItem(atPath: path)
        let directory = try DataDirectory(path: path)
        var log = try WriteAheadLog(directory: directory.wal, options: wal)
        var machine = StateMachine()
        var hashAtSnapshot = ""
        for (offset, command) in Fixture.randomCommands(count: entryCount, seed: 2026).enumerated() {
            let index = UInt64(offset + 1)
            try log.append([LogEntry(index: index, term: 1, data: command.encoded())])
            _ = machine.apply(index: index, data: command.encoded())
            if snapshotIndexes.contains(index) {
                try directory.snapshots.save(index: index, term: 1, state: machine.state.encoded())
                hashAtSnapshot = machine.state.stateHash
            }
        }
        log.close()
        return (machine.state.stateHash, hashAtSnapshot)
    }

    static func expected() throws -> [String: String] {
        let text = try String(contentsOfFile: recorded + "/expected.txt", encoding: .utf8)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        return values
    }

    @Test("the recorded data directory replays to its recorded state hash")
    func replaysToRecordedHash() throws {
        if ProcessInfo.processInfo.environment["CARAVAN_REGENERATE"] == "1" {
            let hashes = try Self.record(into: Self.recorded)
            let text = """
                # Written by RecordedDataDirectoryTests (CARAVAN_REGENERATE=1). Formats: WAL segment v1, snapshot v1, state v1.
                final-index \(Self.entryCount)
                state-hash \(hashes.hash)
                snapshot-index \(Self.snapshotIndexes.last!)
                snapshot-state-hash \(hashes.hashAtSnapshot)

                """
            try text.write(toFile: Self.recorded + "/expected.txt", atomically: true, encoding: .utf8)
        }
        let expected = try Self.expected()
        var options = Self.wal
        options.readOnly = true
        let recovery = try DataDirectory(path: Self.recorded).recover(options: options)
        #expect(recovery.snapshotIndex.map(String.init) == expected["snapshot-index"])
        #expect(String(recovery.machine.state.index) == expected["final-index"])
        #expect(recovery.machine.state.stateHash == expected["state-hash"])
        #expect(recovery.machine.halt == nil)

        let atSnapshot = try DataDirectory(path: Self.recorded).recover(options: options, to: Self.snapshotIndexes.last!)
        #expect(atSnapshot.entriesReplayed == 0)
        #expect(atSnapshot.machine.state.stateHash == expected["snapshot-state-hash"])

        let fresh = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-record-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: fresh) }
        let hashes = try Self.record(into: fresh)
        #expect(hashes.hash == expected["state-hash"] && hashes.hashAtSnapshot == expected["snapshot-state-hash"])
    }

    @Test("the fixture records the same directory every time")
    func recordingIsDeterministic() throws {
        let first = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-record-\(UUID().uuidString)").path
        let second = first + "-again"
        defer {
            try? FileManager.default.removeItem(atPath: first)
            try? FileManager.default.removeItem(atPath: second)
        }
        #expect(try Self.record(into: first) == Self.record(into: second))
        for sub in ["wal", "snapshots"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: first + "/" + sub).sorted()
            #expect(try FileManager.default.contentsOfDirectory(atPath: second + "/" + sub).sorted() == names)
            for name in names {
                #expect(
                    FileManager.default.contentsEqual(atPath: first + "/" + sub + "/" + name, andPath: second + "/" + sub + "/" + name),
                    "\(sub)/\(name)")
            }
        }
    }
}
