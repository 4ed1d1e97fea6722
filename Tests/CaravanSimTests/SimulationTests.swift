import CaravanSim
import Foundation
import Testing

/// A simulated cluster is deterministic from its seed and its replicas converge.
struct SimulationTests {
    static func options(seed: UInt64, servers: Int = 3, faults: SimulationOptions.Faults = .none) -> SimulationOptions {
        var options = SimulationOptions(seed: seed)
        options.servers = servers
        options.ticks = 600
        options.faults = faults
        return options
    }

    @Test("the same seed gives the same run, event for event, faults included")
    func sameSeedSameRun() throws {
        let first = try Simulation.run(Self.options(seed: 42, faults: .swarm))
        let second = try Simulation.run(Self.options(seed: 42, faults: .swarm))
        #expect(first.traceDigest == second.traceDigest)
        #expect(first.stateHash == second.stateHash)
        #expect(first.messagesSent == second.messagesSent)
    }

    @Test("different seeds give different runs")
    func differentSeeds() throws {
        let first = try Simulation.run(Self.options(seed: 1))
        let second = try Simulation.run(Self.options(seed: 2))
        #expect(first.traceDigest != second.traceDigest)
    }

    @Test("every server applies the same log and reaches the same state", arguments: [(1, 3), (2, 3), (3, 5), (4, 5), (5, 1)])
    func replicasConverge(seed: UInt64, servers: Int) throws {
        let report = try Simulation.run(Self.options(seed: seed, servers: servers))
        #expect(report.writesProposed > 0 && report.elections >= 1)
        #expect(report.writesCommitted == report.writesProposed, "every write commits on a fault-free network")
        #expect(report.linearizability == .linearizable)
        #expect(report.watchAnswers > 0 && report.readsAnswered > 0)
    }

    /// 200 seeds by default; `CARAVAN_SOAK=1` sweeps 2,000.
    static let sweepSeeds: ClosedRange<UInt64> = ProcessInfo.processInfo.environment["CARAVAN_SOAK"] == "1" ? 1...2_000 : 1...200

    @Test("under swarm faults (loss, duplication, reordering, partitions, crashes) no seed breaks safety, and every run converges after healing")
    func swarmSweep() throws {
        var faults = Tally()
        for seed in Self.sweepSeeds {
            let report: SimulationReport
            do {
                report = try Simulation.run(Self.options(seed: seed, faults: .swarm))
            } catch {
                Issue.record("seed \(seed): \(error); rerun: caravan sim --seed \(seed) --ticks 600 --trace")
                continue
            }
            faults.add(report.faults)
        }
        for kind in ["crashes", "pauses", "messages lost", "messages duplicated", "one-way partitions", "partitions isolating the leader"] {
            #expect(faults.byKind[kind, default: 0] > 0, "the sweep injects \(kind)")
        }
    }
}
