import Foundation
import Testing

/// `caravan replay` and `caravan operator` on the recorded data directory (testdata/replay/v1).
struct ReplayCommandTests {
    static let recorded = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/replay/v1").path

    static func expected(_ key: String) throws -> String {
        let text = try String(contentsOfFile: recorded + "/expected.txt", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(key + " ") })
        return String(line.dropFirst(key.count + 1))
    }

    @Test("caravan replay prints the entries replayed, the final index and the recorded state hash")
    func replayPrintsHash() async throws {
        let result = try await AgentProcess.run(["replay", "--data-dir", Self.recorded])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("final index:      \(try Self.expected("final-index"))"))
        #expect(result.output.contains("state hash:       \(try Self.expected("state-hash"))"))
        let replayed = Int(try Self.expected("final-index"))! - Int(try Self.expected("snapshot-index"))!
        #expect(result.output.contains("entries replayed: \(replayed)"))
        let atSnapshot = try await AgentProcess.run(["replay", "--data-dir", Self.recorded, "--to-index", try Self.expected("snapshot-index")])
        #expect(atSnapshot.output.contains("state hash:       \(try Self.expected("snapshot-state-hash"))"), "\(atSnapshot.output)")
    }

    @Test("caravan replay refuses an index past the end of the log and a directory that is not one")
    func replayErrors() async throws {
        let past = try await AgentProcess.run(["replay", "--data-dir", Self.recorded, "--to-index", "100000"])
        #expect(past.status != 0)
        #expect(past.output.contains("before --to-index 100000"))
        let notData = try await AgentProcess.run(["replay", "--data-dir", "/nonexistent-caravan"])
        #expect(notData.status != 0)
        #expect(notData.output.contains("not a data directory"))
    }

    @Test("caravan operator log inspect prints one line per entry with its command")
    func logInspect() async throws {
        let result = try await AgentProcess.run(["operator", "log", "inspect", "--data-dir", Self.recorded, "--from", "10", "--to", "14"])
        #expect(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n").filter { $0.first?.isNumber == true }
        #expect(lines.map { $0.split(separator: " ")[0] } == ["10", "11", "12", "13", "14"])
        #expect(lines.allSatisfy { $0.contains("term=1") && ($0.contains("node-") || $0.contains("job-")) })
    }

    @Test("caravan operator snapshot inspect prints the snapshot's index, term, size, ratio and hash")
    func snapshotInspect() async throws {
        let file = Self.recorded + "/snapshots/00000000000000000300-00000000000000000001.snap"
        let result = try await AgentProcess.run(["operator", "snapshot", "inspect", file])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("index:            300"))
        #expect(result.output.contains("term:             1"))
        #expect(result.output.contains("ratio"))
        #expect(result.output.contains("state hash:       \(try Self.expected("snapshot-state-hash"))"))
    }

    @Test("caravan replay --serve answers reads as of the index, blocking queries at once, and refuses writes")
    func replayServe() async throws {
        let server = try AgentProcess(
            arguments: ["--data-dir", Self.recorded, "--to-index", "200", "--serve", "127.0.0.1:0"], command: ["replay"])
        defer { server.kill() }
        let nodes = try #require(await server.request("GET", "/v1/nodes"))
        #expect(nodes.status == 200)
        let started = ContinuousClock.now
        let blocking = try #require(await server.request("GET", "/v1/nodes?index=200&wait=60s"))
        #expect(blocking.status == 200)
        #expect(ContinuousClock.now - started < .seconds(30), "a blocking query on a replay answers at once")
        let write = try #require(await server.request("PUT", "/v1/node/register", body: Data(#"{"Node":{"ID":"x","SecretID":"s"}}"#.utf8)))
        #expect(write.status == 403)
        #expect(String(decoding: write.body, as: UTF8.self).contains("read-only"))
    }
}
