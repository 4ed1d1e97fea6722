import ArgumentParser
import CaravanSim

/// `caravan sim`: runs a cluster deterministically from a seed.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run a simulated cluster from a seed: real raft, log and state machine, virtual clock and network.",
        discussion: "The same seed gives the same run, event for event, on any machine; the summary ends with the trace's SHA-256."
    )

    @Option(help: "The seed.") var seed: UInt64
    @Option(help: "Servers in the cluster.") var servers = 3
    @Option(help: "Ticks (100 ms each) during which clients write.") var ticks = 2_000
    @Flag(help: "Print one line per event.") var trace = false

    func validate() throws {
        guard (1...9).contains(servers) else { throw ValidationError("--servers must be 1 to 9") }
        guard ticks > 0 else { throw ValidationError("--ticks must be positive") }
    }

    func run() throws {
        var options = SimulationOptions(seed: seed)
        options.servers = servers
        options.ticks = ticks
        options.trace = trace
        let report: SimulationReport
        do {
            report = try Simulation.run(options)
        } catch {
            print("seed \(seed): FAILED: \(error)")
            print("rerun: caravan sim --seed \(seed) --servers \(servers) --ticks \(ticks) --trace")
            throw ExitCode.failure
        }
        for line in report.traceLines { print(line) }
        print("seed:              \(report.seed)")
        print("ticks:             \(report.ticks)")
        print("writes proposed:   \(report.writesProposed)")
        print("elections:         \(report.elections)")
        print("messages:          \(report.messagesSent) sent, \(report.messagesDelivered) delivered")
        print("applied index:     \(report.appliedIndex)")
        print("converged:         \(report.converged)")
        print("state hash:        \(report.stateHashes.first ?? "")")
        print("trace digest:      \(report.traceDigest)")
        if !report.converged { throw ExitCode.failure }
    }
}
