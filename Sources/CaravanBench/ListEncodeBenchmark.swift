import ArgumentParser
import CaravanServer
import CaravanState

/// How fast a large plugin list is encoded after one plugin changed (the cached path), and cold.
struct ListEncodeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode-list", abstract: "Encoding a 10,000-plugin list after one change."
    )

    @Option(help: "Plugins in the list.") var plugins = 10_000
    @Option(help: "Iterations (one plugin changes before each).") var iterations = 200

    func run() throws {
        var machine = StateMachine()
        var index: UInt64 = 0
        for number in 0..<plugins {
            index += 1
            _ = machine.apply(index: index, data: Workload.nodeRegister(number, plugin: "plugin-\(number)"))
        }
        let lists = ListEncoder()
        var size = 0
        let cold = measure { size = lists.pluginStubs(machine.state).count }
        var states: [StateVersion] = []
        for iteration in 0..<iterations {
            index += 1
            let number = iteration % plugins
            _ = machine.apply(index: index, data: Workload.nodeRegister(number, plugin: "plugin-\(number)", round: iteration + 1))
            states.append(machine.state)
        }
        var checksum = 0
        let warm = measure {
            for state in states { checksum &+= lists.pluginStubs(state).count }
        }
        _ = lists.pluginListViews(states[0], ids: lists.pluginIDs(states[0]), wholeTable: true)
        let pluginListViewsWarm = measure {
            for state in states.dropFirst() { checksum &+= lists.pluginListViews(state, ids: lists.pluginIDs(state), wholeTable: true).count }
        }
        precondition(checksum > 0)
        print("encode-list: \(plugins) plugins, \(size) bytes per list")
        print("  cold (every entry encoded):          \(format(Double(plugins) / cold)) objects/s")
        print(
            "  after one change, /v1/plugins:      \(format(Double(plugins * iterations) / warm)) objects/s (\(format(warm / Double(iterations) * 1000)) ms per list)"
        )
        print(
            "  after one change, /v1/csi/plugins:  \(format(Double(plugins * (iterations - 1)) / pluginListViewsWarm)) objects/s (\(format(pluginListViewsWarm / Double(iterations - 1) * 1000)) ms per list)"
        )
    }
}
