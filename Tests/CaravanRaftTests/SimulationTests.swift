import CaravanTestSupport
import Testing

@testable import CaravanRaft

/// Seeded random runs of a five-server cluster under partitions, lost, duplicated and
/// reordered messages, restarts, compactions and membership changes. The network checks the
/// raft safety properties after every step; at the end the faults stop and the cluster must
/// converge on one leader and identical state machines.
@Suite(.ownThread)
struct SimulationTests {
    /// One seeded run's faults and load.
    struct Run {
        var random: SplitMix64
        var network: RaftNetwork
        var proposed = 0
        var reads: UInt64 = 0
        /// The commit index each read must reach, by request ID.
        var readFloor: [UInt64: UInt64] = [:]

        /// PreVote stays on in every variant: without it and CheckQuorum, a removed server that never
        /// learns of its removal disrupts the rest for ever (thesis §4.2.3).
        init(seed: UInt64) {
            random = SplitMix64(seed: seed)
            let variant = seed % 8
            network = RaftNetwork(voters: [1, 2, 3], nonvoters: [4], empty: [5]) {
                $0.snapshotChunkBytes = 48
                $0.maxEntriesPerMessage = 3
                $0.maxInflightMessages = 4
                $0.checkQuorum = variant & 1 == 0
                $0.heartbeatTicks = variant & 2 == 0 ? 1 : 3
                $0.maxApplyBytes = variant & 4 == 0 ? 1 << 20 : 40
            }
        }

        mutating func chance(_ percent: Int) -> Bool { random.next(below: 100) < percent }

        mutating func pick<T>(_ values: [T]) -> T { values[random.next(below: values.count)] }

        mutating func step() {
            let ids = network.ids
            switch random.next(below: 100) {
            case 0..<20:
                for id in ids { network.tick(id) }
            case 20..<30:
                // Clocks drift: one server's runs ahead.
                network.tick(pick(ids), times: 1 + random.next(below: 6))
            case 30..<45:
                if let leader = network.leaders.last {
                    proposed += 1
                    _ = try? network.propose(leader, "c\(proposed)")
                }
            case 45..<60:
                network.processReady(pick(ids))
            case 60..<75:
                let id = pick(ids)
                if chance(20), !network.inFlight.isEmpty {
                    network.inFlight.append(pick(network.inFlight))
                }
                if chance(20) {
                    for position in network.inFlight.indices.reversed() {
                        network.inFlight.swapAt(position, random.next(below: position + 1))
                    }
                }
                network.deliver(to: id, dropping: chance(10) ? [1] : [])
            case 75..<80:
                let cut = pick(ids)
                network.partition = chance(50) ? [] : [[cut]]
            case 80..<83:
                network.restart(pick(ids))
            case 83..<88:
                let id = pick(ids)
                let applied = network.nodes[id]!.appliedIndex
                if applied > network[id].firstIndex { network.compact(id, index: applied, compacting: applied - 1) }
            case 88..<91:
                let change: ConfigurationChange =
                    random.next(below: 2) == 0 ? .addNonvoter(RaftNetwork.server(pick(ids))) : .remove(pick(ids))
                if let leader = network.leaders.last { _ = try? network.change(leader, change) }
            case 91..<94:
                let target = pick([1, 2, 3] as [NodeID])
                if let leader = network.leaders.last {
                    try? network.withNode(leader) { (raft: inout Raft) throws(ProposalError) in try raft.transferLeadership(to: target) }
                }
            case 94..<97:
                // A read must see every entry committed anywhere before it was asked for.
                reads += 1
                let context = reads
                readFloor[context] = network.ids.map { network[$0].commitIndex }.max() ?? 0
                try? network.withNode(pick(ids)) { (raft: inout Raft) throws(ProposalError) in try raft.requestRead(context) }
            case 97..<99:
                network.campaign(pick(ids))
            default:
                network.stabilize()
            }
            network.output.removeAll(keepingCapacity: true)
        }

        /// Stops the faults and runs until the cluster is quiet.
        mutating func converge() {
            network.partition = []
            for _ in 0..<60 {
                network.tickAll(1)
                network.output.removeAll(keepingCapacity: true)
            }
        }
    }

    @Test("random faults never break raft safety, and the cluster converges once they stop", arguments: 1...48 as ClosedRange<UInt64>)
    func randomRun(seed: UInt64) {
        var run = Run(seed: seed)
        for _ in 0..<400 { run.step() }
        run.converge()
        let network = run.network
        #expect(network.violations.isEmpty, "seed \(seed): \(network.violations.prefix(5))")
        for id in network.ids {
            for read in network.nodes[id]!.readStates {
                #expect(read.index >= run.readFloor[read.requestID] ?? 0, "seed \(seed): read \(read.requestID) on \(id) is stale")
            }
        }
        let leaders = network.leaders
        #expect(leaders.count == 1, "seed \(seed): leaders \(leaders)")
        guard let leader = leaders.first else { return }
        let members = network[leader].configuration.servers.map(\.id)
        for id in members {
            #expect(network[id].commitIndex == network[leader].commitIndex, "seed \(seed): \(id) lags")
            #expect(network.nodes[id]!.applied == network.nodes[leader]!.applied, "seed \(seed): \(id) applied differently")
        }
    }
}
