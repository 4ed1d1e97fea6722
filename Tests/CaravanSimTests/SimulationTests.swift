import CaravanTestSupport
import CaravanSim
import Foundation
import Testing

/// A simulated cluster is deterministic from its seed and its replicas converge.
@Suite(.ownThread)
struct SimulationTests {
    static func options(seed: UInt64, servers: Int = 3, faults: SimulationOptions.Faults = .none, ticks: Int = 600) -> SimulationOptions {
        var options = SimulationOptions(seed: seed)
        options.servers = servers
        options.ticks = ticks
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

    @Test("with namespace and ACL writes among the users' writes, replicas and replays still agree under swarm faults")
    func adminWrites() throws {
        var proposed = 0
        var refused = 0
        for seed: UInt64 in 1...20 {
            var options = Self.options(seed: seed, faults: .swarm, ticks: 400)
            options.adminWrites = true
            do {
                let report = try Simulation.run(options)
                proposed += report.adminWritesProposed
                refused += report.adminWritesRefused
            } catch {
                Issue.record("seed \(seed): \(error); rerun: caravan sim --seed \(seed) --ticks 400 --admin-writes --trace")
            }
        }
        #expect(proposed > 100, "the workload sent namespace and ACL writes")
        #expect(refused > 0 && refused < proposed, "some of them were refused, alike on every replica")
    }

    /// 200 seeds by default, in four parts that run side by side; `CARAVAN_SOAK=1` sweeps 2,000.
    static let sweepParts: [ClosedRange<UInt64>] = {
        let last: UInt64 = ProcessInfo.processInfo.environment["CARAVAN_SOAK"] == "1" ? 2_000 : 200
        return (0..<4).map { part in (last / 4 * UInt64(part) + 1)...(last / 4 * UInt64(part + 1)) }
    }()

    @Test(
        "under swarm faults (loss, duplication, reordering, partitions, crashes, whole-cluster crashes, pauses, snapshots, a fresh server joining) no seed breaks an invariant, the cluster commits again after every outage, every run converges after healing with every server a voter, and event subscribers see the committed log's events through gaps and streams that fell behind",
        arguments: sweepParts)
    func swarmSweep(seeds: ClosedRange<UInt64>) throws {
        var faults = Tally()
        var checks = Tally()
        var streams = Tally()
        var decided = 0
        for seed in seeds {
            let report: SimulationReport
            do {
                report = try Simulation.run(Self.options(seed: seed, faults: .swarm, ticks: 400))
            } catch {
                Issue.record("seed \(seed): \(error); rerun: caravan sim --seed \(seed) --ticks 400 --trace")
                continue
            }
            faults.add(report.faults)
            checks.add(report.checks)
            streams.add(report.eventStreams)
            if report.linearizability == .linearizable { decided += 1 }
        }
        for kind in [
            "crashes", "whole-cluster crashes", "outages", "servers joined", "pauses", "messages lost", "messages duplicated", "one-way partitions",
            "partitions isolating the leader", "snapshots installed",
        ] {
            #expect(faults.byKind[kind, default: 0] > 0, "the sweep injects \(kind)")
        }
        #expect(checks.byKind["a new write commits after every outage", default: 0] > 0, "some run recovered from an outage")
        #expect(checks.byKind["a server that joined becomes a voter", default: 0] > 0, "a fresh server joined a running cluster")
        #expect(decided > seeds.count * 9 / 10, "the linearizability checker decides most runs")
        #expect(checks.byKind["every subscriber sees the committed log's events once, in order", default: 0] > 1_000)
        for kind in ["events", "gaps announced", "streams fell behind"] {
            #expect(streams.byKind[kind, default: 0] > 0, "event subscribers see \(kind)")
        }
    }

    @Test("a one-server cluster founded from an empty disk commits again after every crash, snapshots or not")
    func oneServerOutages() throws {
        var checks = Tally()
        var snapshots = 0
        for seed in UInt64(1)...40 {
            var options = Self.options(seed: seed, servers: 1, faults: .swarm, ticks: 600)
            options.clients = 8
            let report = try Simulation.run(options)
            checks.add(report.checks)
            snapshots += report.faults.byKind["snapshots taken", default: 0]
        }
        #expect(checks.byKind["a new write commits after every outage", default: 0] > 40, "every crash of the only server is an outage")
        #expect(snapshots > 0, "some runs restart from a snapshot")
    }
}
