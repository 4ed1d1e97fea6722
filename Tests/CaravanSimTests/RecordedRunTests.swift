import CaravanDurability
import CaravanSim
import CaravanState
import CaravanStorage
import Foundation
import Testing

/// Two simulated runs recorded in `testdata/replay/` (their committed logs as data directories,
/// and the state hash each run ended with): `caravan replay` of a recording rebuilds that state,
/// and rerunning the seed commits the same log, entry for entry. `CARAVAN_REGENERATE=1`
/// re-records them (after a deliberate change to what the simulator does).
struct RecordedRunTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let recordings: [String: SimulationOptions] = {
        var three = SimulationOptions(seed: 7)
        three.ticks = 400
        var five = SimulationOptions(seed: 11)
        five.ticks = 400
        five.servers = 5
        return ["sim-seed-7": three, "sim-seed-11-five-servers": five]
    }()

    static func directory(_ name: String) -> String { root.appendingPathComponent("testdata/replay/\(name)").path }

    static func run(_ name: String) throws -> SimulationReport {
        var options = recordings[name]!
        options.recordsLog = true
        return try Simulation.run(options)
    }

    static func expected(_ name: String) throws -> [String: String] {
        if ProcessInfo.processInfo.environment["CARAVAN_REGENERATE"] == "1" { try record(name) }
        let text = try String(contentsOfFile: directory(name) + "/expected.txt", encoding: .utf8)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        return values
    }

    static func record(_ name: String) throws {
        let report = try run(name)
        let options = recordings[name]!
        try? FileManager.default.removeItem(atPath: directory(name))
        try SimulationRecording.write(report.committedLog, toDataDirectory: directory(name))
        let text = """
            # Written by RecordedRunTests (CARAVAN_REGENERATE=1): caravan sim --seed \(options.seed) --servers \(options.servers) --clients \(options.clients) --ticks \(options.ticks) --faults swarm --record DIR
            final-index \(report.appliedIndex)
            state-hash \(report.stateHash)

            """
        try text.write(toFile: directory(name) + "/expected.txt", atomically: true, encoding: .utf8)
    }

    static func recovery(_ name: String) throws -> Recovery {
        var options = SimulationRecording.walOptions
        options.readOnly = true
        return try DataDirectory(path: directory(name)).recover(options: options)
    }

    @Test("replaying a recorded run's log rebuilds the state the run ended with", arguments: recordings.keys.sorted())
    func replayReachesRecordedHash(name: String) throws {
        let expected = try Self.expected(name)
        let recovery = try Self.recovery(name)
        #expect(recovery.machine.halt == nil)
        #expect(String(recovery.machine.state.index) == expected["final-index"])
        #expect(recovery.machine.state.stateHash == expected["state-hash"])
    }

    @Test("rerunning a recorded seed commits the recorded log, entry for entry", arguments: recordings.keys.sorted())
    func rerunCommitsRecordedLog(name: String) throws {
        let expected = try Self.expected(name)
        let report = try Self.run(name)
        #expect(report.stateHash == expected["state-hash"])
        var options = SimulationRecording.walOptions
        options.readOnly = true
        let log = try WriteAheadLog(directory: try DiskDirectory(path: Self.directory(name) + "/wal"), options: options)
        defer { log.close() }
        let recorded = try log.entries(from: log.firstIndex, to: log.lastIndex)
        #expect(recorded.count == report.committedLog.count)
        #expect(recorded == report.committedLog)
    }
}
