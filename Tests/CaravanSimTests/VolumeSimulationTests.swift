import CaravanTestSupport
import CaravanSim
import Testing

/// Simulated runs with volume users: they claim and release volumes under swarm faults, every
/// replica and every watcher of a volume agrees with the committed log, and the volume checks
/// hold.
@Suite(.ownThread)
struct VolumeSimulationTests {
    static let acknowledgedClaims = "every claim a client was told it holds is in the committed state"

    static func options(seed: UInt64, faults: SimulationOptions.Faults = .swarm) -> SimulationOptions {
        var options = SimulationOptions(seed: seed)
        options.ticks = 400
        options.faults = faults
        options.volumes = true
        return options
    }

    @Test("with volume users, the same seed gives the same run, event for event")
    func sameSeedSameRun() throws {
        let first = try Simulation.run(Self.options(seed: 42))
        let second = try Simulation.run(Self.options(seed: 42))
        #expect(first.traceDigest == second.traceDigest)
        #expect(first.volumeWritesProposed == second.volumeWritesProposed && first.volumeWritesProposed > 0)
    }

    @Test("on a fault-free network volume writes commit, claims are acknowledged, and volume watchers agree with the committed log")
    func faultFree() throws {
        let report = try Simulation.run(Self.options(seed: 1, faults: .none))
        #expect(report.volumeWritesProposed > 20)
        #expect(report.volumeClaimsAcknowledged > 0)
        #expect(report.checks.byKind[Self.acknowledgedClaims, default: 0] > 0)
    }

    @Test(
        "under swarm faults volume users claim, release, detach and deregister; some writes are turned away by admission and some refused when applied, alike on every replica; no seed breaks a volume check"
    )
    func swarmSweep() {
        var checks = Tally()
        var proposed = 0
        var denied = 0
        var refused = 0
        var acknowledged = 0
        for seed: UInt64 in 1...20 {
            do {
                let report = try Simulation.run(Self.options(seed: seed))
                checks.add(report.checks)
                proposed += report.volumeWritesProposed
                denied += report.volumeWritesDenied
                refused += report.volumeWritesRefused
                acknowledged += report.volumeClaimsAcknowledged
            } catch {
                Issue.record("seed \(seed): \(error); rerun: caravan sim --seed \(seed) --ticks 400 --trace")
            }
        }
        #expect(proposed > 400 && acknowledged > 80)
        #expect(denied > 0 && refused > 0 && refused < proposed)
        for check in [
            "a volume never holds more claims than its access mode allows", "no claim outlives its volume's deregistration",
            Self.acknowledgedClaims,
        ] {
            #expect(checks.byKind[check, default: 0] > 100, "the sweep checks that \(check)")
        }
    }
}
