import ArgumentParser
import CaravanDurability
import CaravanRaft
import CaravanServer
import CaravanState
import CaravanStorage
import Foundation

/// Replay rate: a data directory's log read back and applied, as a restart or `caravan replay`
/// does, split into reading the log and applying the entries.
struct ReplayBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "replay", abstract: "Replay rate of a data directory's log.")

    @Option(help: "Distinct nodes.") var nodes = 50_000
    @Option(help: "Registrations per node (fingerprint changes after the first).") var rounds = 4
    @Option(help: "Entries per append when writing the log.") var batch = 1024
    @Option(help: "Also a log of node status updates (small entries), with this many entries after the registrations.") var statusUpdates = 200_000

    func run() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-bench-replay-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let directory = try DataDirectory(path: path)
        var log = try WriteAheadLog(directory: directory.wal)
        var pending: [LogEntry] = []
        var index: UInt64 = 0
        func add(_ data: [UInt8]) throws {
            index += 1
            pending.append(LogEntry(index: index, term: 1, data: data))
            if pending.count == batch {
                try log.append(pending)
                pending = []
            }
        }
        for round in 0..<rounds {
            for number in 0..<nodes { try add(Workload.nodeRegister(number, plugin: "plugin-\(number % 10)", round: round)) }
        }
        let registrations = index
        for number in 0..<statusUpdates {
            try add(
                Command.nodeStatusUpdate(
                    NodeStatusUpdate(nodeID: "node-\(number % nodes)", status: number % 2 == 0 ? "down" : "ready", time: Workload.time)
                ).encoded())
        }
        if !pending.isEmpty { try log.append(pending) }
        log.close()

        var options = WALOptions()
        options.readOnly = true
        var recovery: Recovery?
        let total = try measure { recovery = try directory.recover(options: options) }
        let reopened = try WriteAheadLog(directory: directory.wal, options: options)
        var bytes = 0
        let reading = try measure {
            var next: UInt64 = 1
            while next <= reopened.lastIndex {
                let last = min(reopened.lastIndex, next + 4095)
                for entry in try reopened.entries(from: next, to: last) { bytes += entry.data.count }
                next = last + 1
            }
        }
        let registrationReplay = try measure { _ = try directory.recover(options: options, to: registrations) }
        precondition(recovery!.machine.state.index == index)
        print(
            "replay: \(index) entries (\(registrations) node registrations, \(index - registrations) status updates), \(format(Double(bytes) / 1_048_576)) MiB of entries"
        )
        print("  whole log: \(format(Double(index) / total)) entries/s (\(format(total)) s)")
        print("  node registrations only: \(format(Double(registrations) / registrationReplay)) entries/s")
        print(
            "  reading the log alone (open, checksums, entries): \(format(Double(index) / reading)) entries/s, \(format(Double(bytes) / 1_048_576 / reading)) MiB/s"
        )
    }
}
