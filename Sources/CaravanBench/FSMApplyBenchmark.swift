import ArgumentParser
import CaravanModel
import CaravanState

/// How fast the state machine applies node-register entries (decode + apply), on one core.
struct FSMApplyBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsm-apply", abstract: "FSM apply rate for node-register entries."
    )

    @Option(help: "Distinct nodes.") var nodes = 100_000
    @Option(help: "Distinct CSI plugins the nodes fingerprint.") var plugins = 10
    @Option(help: "Re-registration rounds after the first (fingerprint changes).") var rounds = 3

    func run() throws {
        var entries: [[UInt8]] = []
        entries.reserveCapacity(nodes * (rounds + 1))
        for round in 0...rounds {
            for number in 0..<nodes { entries.append(Workload.nodeRegister(number, plugin: "plugin-\(number % plugins)", round: round)) }
        }
        let bytes = entries.reduce(0) { $0 + $1.count }
        var machine = StateMachine()
        var firstRound = 0.0
        var failures = 0
        let total = measure {
            var index: UInt64 = 0
            firstRound = measure {
                for entry in entries[0..<nodes] {
                    index += 1
                    if case .failure = machine.apply(index: index, data: entry).result { failures += 1 }
                }
            }
            for entry in entries[nodes...] {
                index += 1
                if case .failure = machine.apply(index: index, data: entry).result { failures += 1 }
            }
        }
        var decoded: [Command] = []
        decoded.reserveCapacity(entries.count)
        let decoding = measure {
            for entry in entries { decoded.append(try! Command(decoding: entry)) }
        }
        // Entries applied right after they were encoded, a thousand at a time, as a server applies
        // what it has just appended: the entry bytes are still in cache.
        var fresh = StateMachine()
        var freshIndex: UInt64 = 0
        var freshSeconds = 0.0
        for round in 0...rounds {
            for start in stride(from: 0, to: nodes, by: 1000) {
                let batch = (start..<min(start + 1000, nodes)).map {
                    Workload.nodeRegister($0, plugin: "plugin-\($0 % plugins)", round: round)
                }
                freshSeconds += measure {
                    for entry in batch {
                        freshIndex += 1
                        _ = fresh.apply(index: freshIndex, data: entry)
                    }
                }
            }
        }
        var second = StateMachine()
        let applying = measure {
            for (offset, command) in decoded.enumerated() { _ = second.apply(index: UInt64(offset + 1), command: command) }
        }
        _ = failures
        print("fsm-apply: \(entries.count) node-register entries (\(bytes / entries.count) bytes each), \(nodes) nodes, \(plugins) plugins")
        print("  first registrations: \(format(Double(nodes) / firstRound)) entries/s")
        print("  all entries:         \(format(Double(entries.count) / total)) entries/s (\(format(total)) s)")
        print("  freshly encoded, in batches of 1,000: \(format(Double(freshIndex) / freshSeconds)) entries/s")
        print(
            "  of which decoding:   \(format(Double(entries.count) / decoding)) entries/s; applying decoded commands: \(format(Double(entries.count) / applying)) entries/s"
        )
    }
}
