import CaravanRaft
import CaravanStorage
import Foundation
import Testing

/// The way out of a log that already holds an entry no server can apply (written by a newer
/// build, or by a bug): every state machine halts at it, and halts again after every restart,
/// until an operator drops it on every server with `caravan operator log truncate-after`.
@Suite(.serialized)
struct PoisonedLogRecoveryTests {
    @Test("a three-server cluster halted by an entry nobody can apply serves writes again once every server drops it")
    func truncateAfterOnEveryServer() async throws {
        let cluster = try await ClusterTests.electedCluster(tls: false)
        let leader = try #require(await cluster.agreedLeader())
        for id in ["before-1", "before-2"] {
            #expect(await AgentProcess.request(port: leader.httpPort, "PUT", "/v1/node/register", body: CrashRestartTests.nodeBody(id))?.status == 200)
        }
        #expect(await eventually { await Self.everyoneApplied(cluster, "before-2") })
        for member in cluster.members { cluster.kill(member.name) }

        // The same unreadable entry after each server's last one, as if a newer build had committed it.
        var poisoned: UInt64 = 0
        for member in cluster.members {
            var log = try WriteAheadLog(directory: DiskDirectory(path: member.directory + "/wal"))
            poisoned = log.lastIndex + 1
            try log.append([LogEntry(index: poisoned, term: try log.term(at: log.lastIndex), data: [99, 9] + [UInt8](repeating: 0, count: 25))])
            log.close()
        }

        for member in cluster.members { try cluster.restart(member.name) }
        #expect(await eventually { await cluster.agreedLeader() != nil })
        let halted = try #require(await cluster.agreedLeader())
        let refused = await AgentProcess.request(port: halted.httpPort, "PUT", "/v1/node/register", body: CrashRestartTests.nodeBody("during"))
        #expect(refused?.status == 500)
        #expect(refused.map { String(decoding: $0.body, as: UTF8.self) }?.contains("state machine halted at log index \(poisoned)") == true)

        for member in cluster.members { cluster.kill(member.name) }
        for member in cluster.members {
            let truncated = try await AgentProcess.run(["operator", "log", "truncate-after", String(poisoned - 1), "--data-dir", member.directory])
            #expect(truncated.status == 0, "\(truncated.output)")
            #expect(truncated.output.contains("dropping \(poisoned) "), "\(truncated.output)")
        }
        for member in cluster.members { try cluster.restart(member.name) }
        #expect(await eventually { await cluster.agreedLeader() != nil })
        let recovered = try #require(await cluster.agreedLeader())
        let write = await AgentProcess.request(port: recovered.httpPort, "PUT", "/v1/node/register", body: CrashRestartTests.nodeBody("after"))
        #expect(write?.status == 200)
        #expect(await eventually { await Self.everyoneApplied(cluster, "after") })
        for member in cluster.members {
            let nodes = await cluster.nodeIDs(asking: member, stale: true)
            #expect(nodes?.isSuperset(of: ["before-1", "before-2", "after"]) == true)
            #expect(nodes?.contains("during") == false, "the write answered 500 while halted was dropped with the entry before it")
        }
    }

    @Test("truncate-after refuses a directory an agent holds, and an index a snapshot has passed")
    func truncateAfterRefusals() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-truncate-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let agent = try AgentProcess(arguments: ["-data-dir", directory, "-snapshot-interval", "2"])
        let held = try await AgentProcess.run(["operator", "log", "truncate-after", "1", "--data-dir", directory])
        #expect(held.status != 0 && held.output.contains("stop the agent first"), "\(held.output)")
        for id in ["a", "b", "c"] {
            #expect(await agent.request("PUT", "/v1/node/register", body: CrashRestartTests.nodeBody(id))?.status == 200)
        }
        #expect(await eventually { (try? FileManager.default.contentsOfDirectory(atPath: directory + "/snapshots"))?.contains { $0.hasSuffix(".snap") } == true })
        agent.kill()
        let passed = try await AgentProcess.run(["operator", "log", "truncate-after", "1", "--data-dir", directory])
        #expect(passed.status != 0 && passed.output.contains("holds state past 1"), "\(passed.output)")
        let missing = try await AgentProcess.run(["operator", "log", "truncate-after", "1", "--data-dir", directory + "/nothing"])
        #expect(missing.status != 0 && missing.output.contains("is not a data directory"), "\(missing.output)")
    }

    /// Whether every running member has applied the node `id`.
    static func everyoneApplied(_ cluster: ClusterProcesses, _ id: String) async -> Bool {
        for member in cluster.running where await cluster.nodeIDs(asking: member, stale: true)?.contains(id) != true { return false }
        return true
    }
}
