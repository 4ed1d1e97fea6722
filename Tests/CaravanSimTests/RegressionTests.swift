import CaravanTestSupport
import CaravanSim
import Foundation
import Testing

/// The seeds pinned in `testdata/sim/regressions.txt`: each seed that found a bug keeps passing,
/// and each debug-only mutation stays caught by the seed that first caught it.
@Suite(.ownThread)
struct RegressionTests {
    /// One line of the file.
    struct Pinned: Sendable, CustomTestStringConvertible {
        let options: SimulationOptions
        let note: String

        var testDescription: String {
            "seed \(options.seed), \(options.servers) servers, \(options.clients) clients, \(options.ticks) ticks"
                + (options.mutation.map { ", catches \($0.rawValue)" } ?? "") + ": \(note)"
        }
    }

    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/sim/regressions.txt").path

    /// Mutations the file declares no sweep has caught yet (`uncaught NAME`).
    static let uncaught: [SimulationMutation] = {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: "#")[0].split(separator: " ")
            return words.count == 2 && words[0] == "uncaught" ? SimulationMutation(rawValue: String(words[1])) : nil
        }
    }()

    static let pinned: [Pinned] = {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let parts = line.split(separator: "#", maxSplits: 1)
            var fields: [String: String] = [:]
            var words: [String] = []
            for word in parts[0].split(separator: " ") {
                let pair = word.split(separator: "=", maxSplits: 1)
                if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) } else { words.append(String(word)) }
            }
            guard let seed = fields["seed"].flatMap(UInt64.init) else { return nil }
            var options = SimulationOptions(seed: seed)
            options.servers = fields["servers"].flatMap(Int.init) ?? options.servers
            options.clients = fields["clients"].flatMap(Int.init) ?? options.clients
            options.ticks = fields["ticks"].flatMap(Int.init) ?? options.ticks
            if words.first == "catches", words.count == 2 { options.mutation = SimulationMutation(rawValue: words[1]) }
            return Pinned(options: options, note: parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
    }()

    @Test("the regressions file pins a seed for every mutation, or says why none caught it")
    func everyMutationPinned() {
        #expect(!Self.pinned.isEmpty, "read \(Self.file)")
        for mutation in SimulationMutation.allCases {
            let caught = Self.pinned.contains { $0.options.mutation == mutation }
            #expect(caught != Self.uncaught.contains(mutation), "\(mutation.rawValue) must be either pinned or declared uncaught")
        }
    }

    @Test("a pinned seed passes, or still catches its mutation", .enabled(if: SimulationMutation.isAvailable), arguments: pinned)
    func pinnedSeed(_ pinned: Pinned) throws {
        guard pinned.options.mutation != nil else {
            _ = try Simulation.run(pinned.options)
            return
        }
        #expect(throws: SimulationFailure.self, "the checkers no longer catch this mutation") { try Simulation.run(pinned.options) }
    }

    /// Sweeps seeds from 1 until each mutation is caught (`CARAVAN_SOAK=1`; the default suite
    /// runs only the pinned seeds). A mutation declared uncaught is left to `caravan sim --seeds`.
    @Test(
        "every debug mutation is caught within 1,000 seeds",
        .enabled(if: SimulationMutation.isAvailable && ProcessInfo.processInfo.environment["CARAVAN_SOAK"] == "1"),
        arguments: SimulationMutation.allCases.filter { !uncaught.contains($0) })
    func mutationCaught(_ mutation: SimulationMutation) {
        for seed in UInt64(1)...1_000 {
            var options = SimulationOptions(seed: seed)
            options.ticks = 600
            options.mutation = mutation
            do {
                _ = try Simulation.run(options)
            } catch {
                print("\(mutation.rawValue): caught by seed \(seed) (after \(seed) seeds): \(error)")
                return
            }
        }
        Issue.record("\(mutation.rawValue) survived 1,000 seeds")
    }
}
