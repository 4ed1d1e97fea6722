import ArgumentParser
import CaravanServer
import CaravanState
import Logging

/// `caravan agent`: runs a server.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run a Caravan server.",
        discussion: "Either -dev (state in memory) or -data-dir DIR (a durable log and snapshots in DIR)."
    )

    @Flag(name: .customLong("dev", withSingleDash: true), help: "Development mode: one server, state in memory.")
    var dev = false

    @Option(name: .customLong("data-dir", withSingleDash: true), help: "Directory for the log and snapshots.")
    var dataDirectory: String?

    @Option(name: .customLong("http-addr", withSingleDash: true), help: "HOST:PORT the HTTP API listens on (port 0: any free port).")
    var httpAddress = "127.0.0.1:4646"

    @Option(name: .customLong("snapshot-interval", withSingleDash: true), help: "Snapshot after this many entries.")
    var snapshotInterval: UInt64 = DurabilityOptions().snapshotInterval

    @Option(name: .customLong("log-level", withSingleDash: true), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard dev != (dataDirectory != nil) else {
            throw ValidationError(dev ? "-dev keeps its state in memory; drop -data-dir" : "give -dev or -data-dir DIR")
        }
        guard AgentConfiguration.parseAddress(httpAddress) != nil else {
            throw ValidationError("-http-addr must be HOST:PORT, got \(httpAddress)")
        }
        guard snapshotInterval > 0 else { throw ValidationError("-snapshot-interval must be positive") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level \(logLevel)") }
    }

    func run() async throws {
        let (host, port) = AgentConfiguration.parseAddress(httpAddress)!
        var logger = Logger(label: "caravan")
        logger.logLevel = Logger.Level(rawValue: logLevel)!
        var durability = DurabilityOptions()
        durability.snapshotInterval = snapshotInterval
        let configuration = AgentConfiguration(httpHost: host, httpPort: port, dataDirectory: dataDirectory, durability: durability)
        let agent: Agent
        do {
            agent = try Agent(configuration: configuration)
        } catch {
            logger.critical("caravan agent: cannot start: \(error)")
            throw ExitCode.failure
        }
        if agent.node.recoveredTornBytes > 0 {
            logger.notice("caravan agent: dropped \(agent.node.recoveredTornBytes) bytes of torn log tail (a write the last run never acknowledged)")
        }
        let mode = dataDirectory.map { "data dir \($0), applied index \(agent.node.store.snapshot.index)" } ?? "-dev, in memory"
        try await agent.run(logger: logger) { [logger] port in
            logger.info("caravan agent (\(mode)): HTTP API on http://\(host):\(port)")
        }
    }
}
