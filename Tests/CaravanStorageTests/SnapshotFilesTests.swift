import Foundation
import Testing

@testable import CaravanStorage

/// Snapshot files.
struct SnapshotFilesTests {
    static func state(_ seed: Int, count: Int = 5000) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: ($0 / 7) &* seed) } }

    @Test("a saved snapshot loads back with its index, term and state")
    func saveAndLoad() throws {
        let files = SnapshotFiles(directory: SimulatedDisk().directory("snapshots"))
        let saved = try files.save(index: 42, term: 3, state: Self.state(1))
        let loaded = try files.load(saved.name)
        #expect(loaded.index == 42 && loaded.term == 3)
        #expect(loaded.state == Self.state(1))
        #expect(loaded.fileSize == saved.frame.count && saved.frame.count < 5000)
    }

    @Test("only the newest two snapshots are kept")
    func retention() throws {
        let files = SnapshotFiles(directory: SimulatedDisk().directory("snapshots"))
        for index in [10, 20, 30, 40] as [UInt64] { try files.save(index: index, term: 1, state: Self.state(Int(index))) }
        #expect(try files.fileNames().map { SnapshotFiles.parseName($0)!.index } == [40, 30])
    }

    @Test("a damaged newest snapshot falls back to the older one, saying why")
    func fallback() throws {
        let disk = SimulatedDisk()
        let files = SnapshotFiles(directory: disk.directory("snapshots"))
        try files.save(index: 10, term: 1, state: Self.state(3))
        let newest = try files.save(index: 20, term: 2, state: Self.state(4))
        disk.flipBit(file: "snapshots/" + newest.name, at: newest.frame.count / 2)
        let found = try #require(try files.loadNewest { $0.state })
        #expect(found.snapshot.index == 10)
        #expect(found.value == Self.state(3))
        #expect(found.skipped.count == 1 && found.skipped[0].contains(newest.name))
    }

    @Test("a snapshot the caller cannot decode also falls back")
    func rejectedByCaller() throws {
        struct Undecodable: Error {}
        let files = SnapshotFiles(directory: SimulatedDisk().directory("snapshots"))
        try files.save(index: 10, term: 1, state: [1])
        try files.save(index: 20, term: 1, state: [2])
        let found = try files.loadNewest { snapshot throws -> UInt8 in
            guard snapshot.state == [1] else { throw Undecodable() }
            return snapshot.state[0]
        }
        #expect(found?.snapshot.index == 10)
    }

    @Test("a crash before the rename leaves the previous snapshot and no half-written one")
    func crashBeforeRename() throws {
        let disk = SimulatedDisk()
        let files = SnapshotFiles(directory: disk.directory("snapshots"))
        try files.save(index: 10, term: 1, state: Self.state(5))
        disk.failsSyncs = true
        #expect(throws: StorageError.self) { try files.save(index: 20, term: 1, state: Self.state(6)) }
        disk.failsSyncs = false
        disk.crash { _ in .kept }
        #expect(try files.fileNames() == [SnapshotFiles.name(index: 10, term: 1)])
        #expect(try files.loadNewest { $0.index }?.value == 10)
    }

    @Test("`lz4 -d` reads a snapshot file", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/lz4")))
    func readableByLZ4Tool() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-snap-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let files = SnapshotFiles(directory: try DiskDirectory(path: path))
        let saved = try files.save(index: 7, term: 2, state: Self.state(9))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/lz4")
        process.arguments = ["-d", "-c", path + "/" + saved.name]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(Array(data.prefix(8)) == Array("CRVNSNAP".utf8))
        // A 32-byte header, the configuration's length and bytes (an empty one: its count, 0), the state.
        #expect(Array(data.dropFirst(32 + 4 + 4)) == Self.state(9))
    }
}
