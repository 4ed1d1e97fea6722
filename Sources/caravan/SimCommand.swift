import ArgumentParser
import CaravanSim
import Foundation
import Synchronization

/// `caravan sim`: runs a cluster deterministically from a seed, or sweeps a range of seeds.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run a simulated cluster from a seed: real raft, log, state machine and watches; virtual clock, network and users.",
        discussion: """
            The same seed gives the same run, event for event, on any machine; the summary ends \
            with the trace's SHA-256. --seeds A..B sweeps on every core and prints each failing \
            seed with the command that reruns it.
            """
    )

    @Option(help: "The seed.") var seed: UInt64?
    @Option(help: "A range of seeds to sweep, A..B.") var seeds: String?
    @Option(help: "Servers in the cluster.") var servers = 3
    @Option(help: "Simulated users: a quarter write, a quarter read, half run blocking queries.") var clients = 20
    @Option(help: "Ticks (100 ms each) of the first phase, in which faults happen.") var ticks = 2_000
    @Option(help: "swarm (a fault profile drawn from the seed) or none.") var faults = "swarm"
    @Option(help: "Run with a deliberate bug (debug builds): \(SimulationMutation.allCases.map(\.rawValue).joined(separator: ", ")).")
    var mutation: String?
    @Option(help: "Write the committed log to this new data directory (caravan replay --data-dir reads it).") var record: String?
    @Flag(help: "Print one line per event.") var trace = false
    @Flag(help: "Writers also send namespace and ACL writes, and jobs in other namespaces.") var adminWrites = false
    @Flag(inversion: .prefixedNo, help: "Volume users register, claim, release, detach and deregister CSI volumes; long-poll clients watch them.")
    var volumes = true

    func validate() throws {
        guard (seed == nil) != (seeds == nil) else { throw ValidationError("give --seed S or --seeds A..B") }
        if let seeds { guard Self.range(seeds) != nil else { throw ValidationError("--seeds must be A..B, got \(seeds)") } }
        guard (1...9).contains(servers) else { throw ValidationError("--servers must be 1 to 9") }
        guard (3...10_000).contains(clients) else { throw ValidationError("--clients must be 3 to 10000") }
        guard ticks > 0 else { throw ValidationError("--ticks must be positive") }
        guard SimulationOptions.Faults(rawValue: faults) != nil else { throw ValidationError("--faults must be swarm or none") }
        if let mutation {
            guard SimulationMutation(rawValue: mutation) != nil else { throw ValidationError("unknown --mutation \(mutation)") }
            guard SimulationMutation.isAvailable else { throw ValidationError("--mutation needs a debug build") }
        }
        if record != nil, seeds != nil { throw ValidationError("--record goes with --seed") }
    }

    static func range(_ text: String) -> ClosedRange<UInt64>? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: true)
        guard parts.count == 2, let low = UInt64(parts[0]), let high = UInt64(parts[1]), low <= high else { return nil }
        return low...high
    }

    func options(seed: UInt64) -> SimulationOptions {
        var options = SimulationOptions(seed: seed)
        options.servers = servers
        options.clients = clients
        options.ticks = ticks
        options.trace = trace
        options.faults = SimulationOptions.Faults(rawValue: faults)!
        options.mutation = mutation.flatMap(SimulationMutation.init(rawValue:))
        options.recordsLog = record != nil
        options.adminWrites = adminWrites
        options.volumes = volumes
        return options
    }

    func rerun(_ seed: UInt64) -> String {
        "caravan sim --seed \(seed) --servers \(servers) --clients \(clients) --ticks \(ticks) --faults \(faults)"
            + (mutation.map { " --mutation \($0)" } ?? "") + (adminWrites ? " --admin-writes" : "") + (volumes ? "" : " --no-volumes") + " --trace"
    }

    func run() throws {
        if let seeds { return try sweep(Self.range(seeds)!) }
        let seed = seed!
        let report: SimulationReport
        do {
            report = try Simulation.run(options(seed: seed))
        } catch {
            for line in (error as? SimulationFailure)?.traceLines ?? [] { print(line) }
            print("seed \(seed): FAILED: \(error)")
            print("rerun: \(rerun(seed))")
            throw ExitCode.failure
        }
        for line in report.traceLines { print(line) }
        print("seed:              \(report.seed)")
        print("ticks:             \(report.ticks)")
        print("clients:           \(report.clients)")
        print("fault profile:     \(report.profile)")
        print("faults injected:   \(report.faults)")
        print("elections:         \(report.elections)")
        print(
            "writes:            \(report.writesProposed) proposed (\(report.adminWritesProposed) namespace and ACL writes, \(report.adminWritesRefused) refused), \(report.writesCommitted) committed, \(report.writesUnanswered) unanswered"
        )
        if volumes {
            print(
                "volume writes:     \(report.volumeWritesProposed) proposed (\(report.volumeWritesRefused) refused when applied), \(report.volumeWritesDenied) turned away by admission, \(report.volumeClaimsAcknowledged) claims acknowledged"
            )
        }
        print("reads:             \(report.readsAnswered) answered")
        print("watch answers:     \(report.watchAnswers)")
        print("event streams:     \(report.eventStreams)")
        print("messages:          \(report.messagesSent) sent, \(report.messagesDelivered) delivered (\(report.messagesByKind))")
        print("checks:            \(report.checks.total) (\(report.checks))")
        print("linearizability:   \(report.linearizability) over \(report.operations) operations")
        print("applied index:     \(report.appliedIndex)")
        print("state hash:        \(report.stateHash)")
        print("trace digest:      \(report.traceDigest)")
        if let record {
            try SimulationRecording.write(report.committedLog, toDataDirectory: record)
            print("recorded:          \(report.committedLog.count) entries in \(record) (caravan replay --data-dir \(record))")
        }
    }

    /// Runs every seed of `range` on every core, then prints the failures in seed order and the
    /// totals.
    private func sweep(_ range: ClosedRange<UInt64>) throws {
        let next = Atomic<UInt64>(range.lowerBound)
        let results = Mutex<[(seed: UInt64, outcome: Result<SimulationReport, SimulationFailure>)]>([])
        let started = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: ProcessInfo.processInfo.activeProcessorCount) { _ in
            while true {
                let seed = next.add(1, ordering: .relaxed).oldValue
                guard seed <= range.upperBound else { return }
                let outcome: Result<SimulationReport, SimulationFailure>
                do {
                    var report = try Simulation.run(options(seed: seed))
                    report.traceLines = []
                    outcome = .success(report)
                } catch let failure as SimulationFailure {
                    outcome = .failure(failure)
                } catch {
                    outcome = .failure(SimulationFailure("\(error)"))
                }
                results.withLock { $0.append((seed, outcome)) }
            }
        }
        let elapsed = ContinuousClock.now - started
        let sorted = results.withLock { $0 }.sorted { $0.seed < $1.seed }
        var faults = Tally()
        var checks = Tally()
        var eventStreams = Tally()
        var messages = 0
        var volumeWrites = (proposed: 0, refused: 0, denied: 0, claims: 0)
        var failures = 0
        var unknown = 0
        for (seed, outcome) in sorted {
            switch outcome {
            case .success(let report):
                faults.add(report.faults)
                checks.add(report.checks)
                eventStreams.add(report.eventStreams)
                messages += report.messagesSent
                volumeWrites.proposed += report.volumeWritesProposed
                volumeWrites.refused += report.volumeWritesRefused
                volumeWrites.denied += report.volumeWritesDenied
                volumeWrites.claims += report.volumeClaimsAcknowledged
                if report.linearizability == .unknown { unknown += 1 }
            case .failure(let failure):
                failures += 1
                print("seed \(seed): FAILED: \(failure)")
                print("  rerun: \(rerun(seed))")
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("seeds \(range.lowerBound)..\(range.upperBound): \(range.count - failures) passed, \(failures) failed")
        print("faults injected:   \(faults)")
        print("checks:            \(checks.total) (\(checks))")
        print("event streams:     \(eventStreams)")
        if volumes {
            print(
                "volume writes:     \(volumeWrites.proposed) proposed (\(volumeWrites.refused) refused when applied), \(volumeWrites.denied) turned away by admission, \(volumeWrites.claims) claims acknowledged"
            )
        }
        print("linearizability:   \(unknown) runs undecided within the step budget")
        print(
            "messages:          \(messages) in \(String(format: "%.1f", seconds)) s on \(ProcessInfo.processInfo.activeProcessorCount) cores, \(Int(Double(messages) / seconds)) per second"
        )
        if failures > 0 { throw ExitCode.failure }
    }
}
