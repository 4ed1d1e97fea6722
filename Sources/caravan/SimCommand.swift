import ArgumentParser
import CaravanSim

/// `caravan sim`: runs a cluster deterministically from a seed.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run a simulated cluster from a seed: real raft, log and state machine, virtual clock and network.",
        discussion: "The same seed gives the same run, event for event, on any machine; the summary ends with the trace's SHA-256."
    )

    @Option(help: "The seed.") var seed: UInt64?
    @Option(help: "A range of seeds to sweep, A..B; prints each failing seed with the command that reruns it.") var seeds: String?
    @Option(help: "Servers in the cluster.") var servers = 3
    @Option(help: "Ticks (100 ms each) of the first phase, in which clients write and faults happen.") var ticks = 2_000
    @Option(help: "swarm (a fault profile drawn from the seed) or none.") var faults = "swarm"
    @Flag(help: "Print one line per event.") var trace = false

    func validate() throws {
        guard (seed == nil) != (seeds == nil) else { throw ValidationError("give --seed S or --seeds A..B") }
        if let seeds { guard Self.range(seeds) != nil else { throw ValidationError("--seeds must be A..B, got \(seeds)") } }
        guard (1...9).contains(servers) else { throw ValidationError("--servers must be 1 to 9") }
        guard ticks > 0 else { throw ValidationError("--ticks must be positive") }
        guard SimulationOptions.Faults(rawValue: faults) != nil else { throw ValidationError("--faults must be swarm or none") }
    }

    static func range(_ text: String) -> ClosedRange<UInt64>? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: true)
        guard parts.count == 2, let low = UInt64(parts[0]), let high = UInt64(parts[1]), low <= high else { return nil }
        return low...high
    }

    func options(seed: UInt64) -> SimulationOptions {
        var options = SimulationOptions(seed: seed)
        options.servers = servers
        options.ticks = ticks
        options.trace = trace
        options.faults = SimulationOptions.Faults(rawValue: faults)!
        return options
    }

    func rerun(_ seed: UInt64) -> String {
        "caravan sim --seed \(seed) --servers \(servers) --ticks \(ticks) --faults \(faults) --trace"
    }

    func run() throws {
        if let seeds { return try sweep(Self.range(seeds)!) }
        let seed = seed!
        let report: SimulationReport
        do {
            report = try Simulation.run(options(seed: seed))
        } catch {
            print("seed \(seed): FAILED: \(error)")
            print("rerun: \(rerun(seed))")
            throw ExitCode.failure
        }
        for line in report.traceLines { print(line) }
        print("seed:              \(report.seed)")
        print("ticks:             \(report.ticks)")
        print("writes proposed:   \(report.writesProposed)")
        print("elections:         \(report.elections)")
        print("faults:            \(report.profile)")
        print(
            "messages:          \(report.messagesSent) sent, \(report.messagesDelivered) delivered, \(report.messagesLost) lost, \(report.messagesDuplicated) duplicated"
        )
        print("partitions:        \(report.partitions)")
        print("crashes:           \(report.crashes)")
        print("checks:            \(report.checks)")
        print("applied index:     \(report.appliedIndex)")
        print("converged:         \(report.converged)")
        print("state hash:        \(report.stateHashes.first ?? "")")
        print("trace digest:      \(report.traceDigest)")
        if !report.converged { throw ExitCode.failure }
    }

    /// Runs every seed of `range`, one after another.
    private func sweep(_ range: ClosedRange<UInt64>) throws {
        var failures = 0
        var checks = 0
        var messages = 0
        for seed in range {
            do {
                let report = try Simulation.run(options(seed: seed))
                checks += report.checks
                messages += report.messagesSent
            } catch {
                failures += 1
                print("seed \(seed): FAILED: \(error)")
                print("  rerun: \(rerun(seed))")
            }
        }
        print(
            "seeds \(range.lowerBound)..\(range.upperBound): \(range.count - failures) passed, \(failures) failed; \(checks) checks, \(messages) messages"
        )
        if failures > 0 { throw ExitCode.failure }
    }
}
