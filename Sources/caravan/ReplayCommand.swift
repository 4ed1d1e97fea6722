import CaravanConfig
import ArgumentParser
import CaravanDurability
import CaravanServer
import CaravanState
import CaravanStorage
import Foundation
import Logging

/// `caravan replay`: rebuilds the state from a data directory, as a restart would, and reports
/// it; optionally serves it read-only.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild the state from a data directory and print its hash.",
        discussion: """
            Starts from the newest snapshot at or before the target index and applies the log \
            after it. Reads the directory without changing it. Prints the entries replayed, the \
            final index, the time taken and the SHA-256 of the state's canonical encoding.
            """
    )

    @Option(name: .customLong("data-dir"), help: "The data directory (as given to caravan agent -data-dir).")
    var dataDirectory: String

    @Option(name: .customLong("to-index"), help: "Stop after this index (default: the end of the log).")
    var toIndex: UInt64?

    @Option(name: .customLong("serve"), help: "Then serve the read-only HTTP API as of that index on HOST:PORT.")
    var serve: String?

    func validate() throws {
        if let serve, AgentSettings.parseAddress(serve) == nil { throw ValidationError("--serve must be HOST:PORT, got \(serve)") }
        if toIndex == 0 { throw ValidationError("--to-index must be at least 1") }
    }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/wal") else {
            throw ValidationError("\(dataDirectory) is not a data directory (no wal/ in it)")
        }
        var options = WALOptions()
        options.readOnly = true
        let clock = ContinuousClock()
        let started = clock.now
        let recovery: Recovery
        do {
            recovery = try DataDirectory(path: dataDirectory).recover(options: options, to: toIndex ?? .max)
        } catch {
            print("caravan replay: \(error)")
            throw ExitCode.failure
        }
        let elapsed = clock.now - started
        let state = recovery.machine.state
        if let toIndex, state.index < toIndex {
            print("caravan replay: the log ends at index \(state.index), before --to-index \(toIndex)")
            throw ExitCode.failure
        }
        for skipped in recovery.skippedSnapshots { print("skipped snapshot \(skipped)") }
        if recovery.log.recoveredTornBytes > 0 {
            print("torn tail:        \(recovery.log.recoveredTornBytes) bytes after the last complete batch, not replayed")
        }
        print("snapshot:         \(recovery.snapshotFile.map { "\($0) (index \(recovery.snapshotIndex!))" } ?? "none")")
        print("entries replayed: \(recovery.entriesReplayed)")
        print("final index:      \(state.index)")
        print("time:             \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
        if let halt = recovery.machine.halt { print("halted:           \(halt)") }
        print("state hash:       \(state.stateHash)")
        guard let serve else { return }
        let (host, port) = AgentSettings.parseAddress(serve)!
        var api = APIConfiguration()
        api.blockingQueries = false
        let agent = Agent(
            node: ServerNode(readOnlyState: recovery.machine),
            configuration: AgentConfiguration(httpHost: host, httpPort: port, api: api)
        )
        let logger = Logger(label: "caravan-replay")
        try await agent.run(logger: logger) { port in
            print("serving the state as of index \(state.index), read-only: HTTP API on http://\(host):\(port)")
            fflush(nil)
        }
    }
}
