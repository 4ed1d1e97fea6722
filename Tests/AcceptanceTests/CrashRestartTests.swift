import CaravanTestSupport
import Foundation
import Testing

/// A real `caravan agent` killed with SIGKILL in the middle of concurrent writes restarts with
/// every write it acknowledged.
@Suite(.serialized)
struct CrashRestartTests {
    /// 10 cycles by default; `CARAVAN_SOAK=1` runs 200.
    static let cycles = ProcessInfo.processInfo.environment["CARAVAN_SOAK"] == "1" ? 200 : 10
    static let writers = 16

    /// What the writers saw acknowledged.
    actor Acknowledged {
        var nodes: Set<String> = []
        var jobs: Set<String> = []
        var highestIndex = 0

        func node(_ id: String, index: Int) {
            nodes.insert(id)
            highestIndex = max(highestIndex, index)
        }

        func job(_ id: String, index: Int) {
            jobs.insert(id)
            highestIndex = max(highestIndex, index)
        }

        var count: Int { nodes.count + jobs.count }
    }

    static func nodeBody(_ id: String) -> Data {
        let node: [String: Any] = [
            "ID": id, "SecretID": "secret-\(id)", "Name": id, "Datacenter": "dc1", "Status": "ready",
            "CSINodePlugins": ["ebs": ["PluginID": "ebs", "Healthy": true, "NodeInfo": ["ID": id, "MaxVolumes": 8]]],
        ]
        return try! JSONSerialization.data(withJSONObject: ["Node": node])
    }

    static func jobBody(_ id: String) -> Data {
        let task: [String: Any] = ["Name": "plugin", "Driver": "docker", "CSIPluginConfig": ["ID": "ebs", "Type": "controller"]]
        let job: [String: Any] = [
            "ID": id, "Name": id, "Type": "service", "Datacenters": ["dc1"], "TaskGroups": [["Name": "g", "Count": 1, "Tasks": [task]]],
        ]
        return try! JSONSerialization.data(withJSONObject: ["Job": job])
    }

    static func index(of body: Data) -> Int {
        (try? JSONSerialization.jsonObject(with: body) as? [String: Any]).flatMap { ($0["Index"] ?? $0["JobModifyIndex"]) as? Int } ?? 0
    }

    @Test("kill -9 during 16 concurrent writers loses no acknowledged write")
    func killDuringWrites() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var random = SplitMix64(seed: 0xC0FFEE)
        let acknowledged = Acknowledged()
        var totalAcknowledged = 0
        var lost = 0
        for cycle in 0..<Self.cycles {
            let agent = try AgentProcess(arguments: ["-data-dir", directory, "-snapshot-interval", "97"])
            // Everything acknowledged in earlier cycles is there after the restart.
            lost += try await Self.missing(acknowledged, from: agent)
            let killAfter = Int.random(in: 1...120, using: &random)
            let before = await acknowledged.count
            let (port, pid) = (agent.port, agent.process.processIdentifier)
            await withTaskGroup(of: Void.self) { group in
                for writer in 0..<Self.writers {
                    group.addTask {
                        var sequence = 0
                        while true {
                            sequence += 1
                            let id = "c\(cycle)-w\(writer)-\(sequence)"
                            let isJob = sequence % 3 == 0
                            let sent = await AgentProcess.request(
                                port: port, "PUT", isJob ? "/v1/jobs" : "/v1/node/register", body: isJob ? Self.jobBody(id) : Self.nodeBody(id))
                            guard let sent else { return }  // the agent is gone
                            guard sent.status == 200 else { continue }
                            if isJob {
                                await acknowledged.job(id, index: Self.index(of: sent.body))
                            } else {
                                await acknowledged.node(id, index: Self.index(of: sent.body))
                            }
                            // SIGKILL again is harmless: the process stays a zombie until reaped below.
                            if await acknowledged.count - before >= killAfter { kill(pid, SIGKILL) }
                        }
                    }
                }
            }
            agent.kill()
            totalAcknowledged = await acknowledged.count
        }
        let final = try AgentProcess(arguments: ["-data-dir", directory])
        lost += try await Self.missing(acknowledged, from: final)
        final.kill()
        print("crash-restart: \(Self.cycles) kill -9 cycles, \(totalAcknowledged) writes acknowledged, \(lost) lost")
        #expect(lost == 0)
        #expect(totalAcknowledged >= Self.cycles)
    }

    /// How many acknowledged writes the agent does not have; also checks its index is not
    /// behind the highest acknowledged one.
    static func missing(_ acknowledged: Acknowledged, from agent: AgentProcess) async throws -> Int {
        let nodes = try #require(await agent.request("GET", "/v1/nodes"))
        let jobs = try #require(await agent.request("GET", "/v1/jobs"))
        let self_ = try #require(await agent.request("GET", "/v1/agent/self"))
        func ids(_ data: Data) -> Set<String> {
            Set(((try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] ?? []).compactMap { $0["ID"] as? String })
        }
        let stats = (try? JSONSerialization.jsonObject(with: self_.body)) as? [String: Any]
        let applied = Int(((stats?["stats"] as? [String: Any])?["raft"] as? [String: Any])?["applied_index"] as? String ?? "") ?? 0
        #expect(applied >= (await acknowledged.highestIndex))
        let missingNodes = await acknowledged.nodes.subtracting(ids(nodes.body))
        let missingJobs = await acknowledged.jobs.subtracting(ids(jobs.body))
        #expect(missingNodes.isEmpty, "acknowledged nodes missing after restart: \(missingNodes.sorted().prefix(5))")
        #expect(missingJobs.isEmpty, "acknowledged jobs missing after restart: \(missingJobs.sorted().prefix(5))")
        return missingNodes.count + missingJobs.count
    }
}
