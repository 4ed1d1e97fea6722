import CaravanTestSupport
import Foundation
import Testing

/// A real `caravan agent` killed with SIGKILL in the middle of concurrent writes restarts with
/// every write it acknowledged.
@Suite(.serialized)
struct CrashRestartTests {
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

    /// How an agent keeps its log: a durable server of its own, or a one-server raft cluster.
    enum Mode: String, CaseIterable, CustomTestStringConvertible {
        case dataDirectory = "-data-dir"
        case oneServerRaft = "one-server raft cluster"

        var testDescription: String { rawValue }

        /// `caravan agent` with this mode's flags on `directory` (the raft mode needs fixed ports).
        func start(_ directory: String, ports: (http: Int, raft: Int)) throws -> AgentProcess {
            switch self {
            case .dataDirectory:
                return try AgentProcess(arguments: ["-data-dir", directory, "-snapshot-interval", "97"])
            case .oneServerRaft:
                return try AgentProcess(
                    arguments: [
                        "-server", "-data-dir", directory, "-snapshot-interval", "97", "-bootstrap-expect", "1", "-node-id", "s1",
                        "-raft-addr", "127.0.0.1:\(ports.raft)",
                    ],
                    command: ["agent", "-http-addr", "127.0.0.1:\(ports.http)", "-log-level", "info"])
            }
        }

        /// 10 cycles for `-data-dir` (200 with `CARAVAN_SOAK=1`); 5 for the raft cluster (50).
        var cycles: Int {
            let soak = ProcessInfo.processInfo.environment["CARAVAN_SOAK"] == "1"
            return self == .dataDirectory ? (soak ? 200 : 10) : (soak ? 50 : 5)
        }
    }

    @Test("kill -9 during 16 concurrent writers loses no acknowledged write, and the restarted server leads again", arguments: Mode.allCases)
    func killDuringWrites(mode: Mode) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ports = (http: ClusterProcesses.freePort(), raft: ClusterProcesses.freePort())
        var random = SplitMix64(seed: 0xC0FFEE)
        let acknowledged = Acknowledged()
        var totalAcknowledged = 0
        var lost = 0
        var slowestStart = Duration.zero
        for cycle in 0..<mode.cycles {
            let agent = try mode.start(directory, ports: ports)
            // From the API answering to a known leader (the process's own start-up, which a busy
            // machine stretches, is not the server's doing).
            let serving = ContinuousClock.now
            #expect(await eventually(within: .seconds(10)) { await agent.request("GET", "/v1/status/leader")?.body.count ?? 0 > 2 })
            slowestStart = max(slowestStart, ContinuousClock.now - serving)
            // Everything acknowledged in earlier cycles is there after the restart.
            lost += try await Self.missing(acknowledged, from: agent)
            let killAfter = Int.random(in: 1...120, using: &random)
            let before = await acknowledged.count
            let (port, pid) = (agent.port, agent.process.processIdentifier)
            // An agent that cannot take writes is killed after 30 s rather than hanging the test
            // (the writes it refused are not acknowledged, and the count check below fails).
            let giveUp = ContinuousClock.now + .seconds(30)
            await withTaskGroup(of: Void.self) { group in
                for writer in 0..<Self.writers {
                    group.addTask {
                        var sequence = 0
                        while true {
                            if ContinuousClock.now > giveUp { kill(pid, SIGKILL) }
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
        let final = try mode.start(directory, ports: ports)
        #expect(await eventually(within: .seconds(10)) { await final.request("GET", "/v1/status/leader")?.body.count ?? 0 > 2 })
        lost += try await Self.missing(acknowledged, from: final)
        final.kill()
        print(
            "crash-restart (\(mode.rawValue)): \(mode.cycles) kill -9 cycles, \(totalAcknowledged) writes acknowledged, \(lost) lost, "
                + "slowest from serving to a known leader \(slowestStart)")
        #expect(lost == 0)
        #expect(totalAcknowledged >= mode.cycles, "at least one write acknowledged per cycle")
    }

    @Test("SIGTERM during 16 writers: the agent answers the writes under way, exits 0, and restarts with every acknowledged write and no torn log tail")
    func gracefulStop() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-stop-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let acknowledged = Acknowledged()
        let agent = try AgentProcess(arguments: ["-data-dir", directory])
        let port = agent.port
        let writing = Task {
            await withTaskGroup(of: Void.self) { group in
                for writer in 0..<Self.writers {
                    group.addTask {
                        var sequence = 0
                        while true {
                            sequence += 1
                            let id = "w\(writer)-\(sequence)"
                            guard let sent = await AgentProcess.request(port: port, "PUT", "/v1/node/register", body: Self.nodeBody(id)) else { return }
                            if sent.status == 200 { await acknowledged.node(id, index: Self.index(of: sent.body)) }
                        }
                    }
                }
            }
        }
        #expect(await eventually { await acknowledged.count >= 200 })
        #expect(agent.stop() == 0, "exit status")
        await writing.value
        #expect(agent.output.contains("caravan agent: stopped at applied index"))
        let restarted = try AgentProcess(arguments: ["-data-dir", directory])
        #expect(try await Self.missing(acknowledged, from: restarted) == 0)
        #expect(!restarted.output.contains("torn log tail"), "\(restarted.output)")
        restarted.kill()
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
