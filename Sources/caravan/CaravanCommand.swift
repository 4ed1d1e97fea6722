import ArgumentParser
import CaravanServer

/// `caravan`: the command line.
@main
struct Caravan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caravan",
        abstract: "A Nomad-compatible CSI control plane.",
        version: CaravanAPI.version,
        subcommands: [AgentCommand.self, ReplayCommand.self, OperatorCommand.self, SimCommand.self, TLSCommand.self]
    )
}
