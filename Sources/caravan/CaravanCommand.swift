import ArgumentParser
import CaravanServer
import Logging

/// `caravan`: the command line.
@main
struct Caravan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caravan",
        abstract: "A Nomad-compatible CSI control plane.",
        version: CaravanAPI.version,
        subcommands: [AgentCommand.self]
    )
}

/// `caravan agent`: runs a server.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agent", abstract: "Run a Caravan server.")

    @Flag(name: .customLong("dev", withSingleDash: true), help: "Development mode: one in-memory server.")
    var dev = false

    @Option(name: .customLong("http-addr", withSingleDash: true), help: "HOST:PORT the HTTP API listens on.")
    var httpAddress = "127.0.0.1:4646"

    @Option(name: .customLong("log-level", withSingleDash: true), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard dev else { throw ValidationError("only -dev mode is available in this build") }
        guard AgentConfiguration.parseAddress(httpAddress) != nil else {
            throw ValidationError("-http-addr must be HOST:PORT, got \(httpAddress)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level \(logLevel)") }
    }

    func run() async throws {
        let (host, port) = AgentConfiguration.parseAddress(httpAddress)!
        var logger = Logger(label: "caravan")
        logger.logLevel = Logger.Level(rawValue: logLevel)!
        let agent = Agent(configuration: AgentConfiguration(httpHost: host, httpPort: port))
        logger.info("caravan agent -dev: HTTP API on http://\(host):\(port)")
        try await agent.run(logger: logger)
    }
}
