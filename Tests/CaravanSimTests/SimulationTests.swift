import CaravanSim
import Testing

/// A simulated cluster is deterministic from its seed and its replicas converge.
struct SimulationTests {
    static func options(seed: UInt64, servers: Int = 3) -> SimulationOptions {
        var options = SimulationOptions(seed: seed)
        options.servers = servers
        options.ticks = 600
        return options
    }

    @Test("the same seed gives the same run, event for event")
    func sameSeedSameRun() throws {
        let first = try Simulation.run(Self.options(seed: 42))
        let second = try Simulation.run(Self.options(seed: 42))
        #expect(first.traceDigest == second.traceDigest)
        #expect(first.stateHashes == second.stateHashes)
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
        #expect(report.converged, "hashes \(report.stateHashes)")
        #expect(report.stateHashes.count == servers)
        #expect(report.writesProposed > 0 && report.elections >= 1)
        #expect(report.appliedIndex > UInt64(report.writesProposed) / 2, "most writes commit on a fault-free network")
    }
}
