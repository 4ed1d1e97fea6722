import CaravanTestSupport
import Foundation
import Testing

/// Swift seeds its hashing afresh in every process, so a state machine that let the order of a
/// hash map's keys leak into the state would make replicas (each its own process) diverge — and
/// no test inside one process could see it. This one applies the same arbitrary command scripts
/// here and in `caravan-fuzz --hash` under `SWIFT_DETERMINISTIC_HASHING=1`, and compares the
/// state hashes.
struct HashSeedDeterminismTests {
    @Test("arbitrary command scripts reach the same state in two processes whose hash seeds differ")
    func sameStateAcrossHashSeeds() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-hash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var expected: [String: String] = [:]
        for seed in UInt64(1)...60 {
            var random = SplitMix64(seed: seed)
            let input: [UInt8] = [0] + (0..<1024).flatMap { _ in withUnsafeBytes(of: random.next()) { Array($0) } }
            let file = directory.appendingPathComponent("script-\(seed)").path
            try Data(input).write(to: URL(fileURLWithPath: file))
            expected[file] = try #require(FuzzInput.stateHash(input))
        }
        let binary = AgentProcess.binary.deletingLastPathComponent().appendingPathComponent("caravan-fuzz")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "\(binary.path) is missing: swift build builds it")
        let run = try await AgentProcess.run(
            ["--hash", directory.path], binary: binary, environment: ["SWIFT_DETERMINISTIC_HASHING": "1"], standardErrorToo: false)
        #expect(run.status == 0)
        let text = run.output
        var seen: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { seen[String(parts[0])] = String(parts[1]) }
        }
        #expect(seen == expected)
    }
}
