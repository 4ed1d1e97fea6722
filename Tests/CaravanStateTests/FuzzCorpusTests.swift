import CaravanModel
import CaravanRaft
import CaravanTestSupport
import Foundation
import Testing

@testable import CaravanState

/// The fuzz target's committed corpus (`testdata/fuzz`), replayed through the same function
/// libFuzzer calls (`scripts/fuzz.sh` fuzzes from it): the quick mode of the fuzzer that every
/// `make test` runs. `CARAVAN_REGENERATE=1` rewrites the seed inputs (`seed-*`); inputs the
/// fuzzer found stay as they are.
@Suite(.ownThread)
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("testdata/fuzz")

    @Test("every input in the fuzz corpus runs without breaking a property")
    func corpusReplays() throws {
        if ProcessInfo.processInfo.environment["CARAVAN_REGENERATE"] == "1" { try writeSeeds() }
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).sorted()
        #expect(files.count >= Self.seeds.count)
        for file in files {
            FuzzInput.run(Array(try Data(contentsOf: Self.corpus.appendingPathComponent(file))))
        }
    }

    /// One seed per way the fuzz target reads its input (see `FuzzInput`).
    static var seeds: [(name: String, bytes: [UInt8])] {
        var random = SplitMix64(seed: 13)
        let choices = (0..<64).flatMap { _ in withUnsafeBytes(of: random.next()) { Array($0) } }
        let commands: [Command] = [
            .nodeRegister(NodeRegistration(node: Node(id: "n1", secretID: "s", status: "ready"), time: 1)),
            .jobRegister(JobRegistration(job: Fixture.pluginJob("j", plugin: "p", role: "node", count: 2), submitTime: 2)),
            .aclTokenUpsert(ACLTokenUpsert(tokens: [ACLToken(accessorID: "a", secretID: "s", type: "client", createTime: 3)], isUpdate: false)),
            .namespaceDelete(["team"]),
        ]
        let entries = commands.flatMap { command -> [UInt8] in
            let bytes = command.encoded()
            return [UInt8(min(bytes.count, 255))] + bytes.prefix(255)
        }
        var state = StateMachine()
        for (offset, command) in Fixture.randomCommands(count: 6, seed: 5).enumerated() {
            _ = state.apply(index: UInt64(offset + 1), data: command.encoded())
        }
        let append = Message(
            kind: .append, from: 1, to: 2, term: 3, logTerm: 2, index: 7,
            entries: [LogEntry(index: 8, term: 3, data: commands[0].encoded())], commit: 6)
        return [
            ("seed-commands", [0] + choices),
            ("seed-entries", [1] + entries),
            ("seed-snapshot", [2] + state.state.encoded()),
            ("seed-raft-message", [3] + append.encoded()),
        ]
    }

    private func writeSeeds() throws {
        try FileManager.default.createDirectory(at: Self.corpus, withIntermediateDirectories: true)
        for seed in Self.seeds {
            try Data(seed.bytes).write(to: Self.corpus.appendingPathComponent(seed.name))
        }
    }
}
