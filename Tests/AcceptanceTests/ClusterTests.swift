import CaravanTestSupport
import Foundation
import Synchronization
import Testing

/// Three, four and two `caravan agent` processes forming raft clusters on 127.0.0.1, their raft
/// ports speaking mutual TLS as production clusters do: a leader is elected, writes go through
/// any server, the loss of a leader loses no acknowledged write, a lagging server catches up by
/// snapshot, and membership changes while writes continue.
@Suite(.serialized)
struct ClusterTests {
    /// Kill-the-leader rounds: 2 by default; `CARAVAN_SOAK=1` runs 20 and prints the failover
    /// times' p50 and p99.
    static let failoverRounds = ProcessInfo.processInfo.environment["CARAVAN_SOAK"] == "1" ? 20 : 2

    /// Concurrent writers registering new nodes through whichever servers are running.
    actor Writers {
        private(set) var acknowledged: Set<String> = []
        private(set) var failures = 0
        private var stopped = false
        private var next = 0

        func stop() { stopped = true }
        var isStopped: Bool { stopped }

        func nextID(_ writer: Int) -> String {
            next += 1
            return "w\(writer)-\(next)"
        }

        func record(_ id: String, ok: Bool) {
            if ok { acknowledged.insert(id) } else { failures += 1 }
        }

        /// Runs `count` writers until ``stop()``, each sending to a port `ports` gives it.
        nonisolated func run(count: Int, ports: @escaping @Sendable () -> [Int]) -> Task<Void, Never> {
            Task {
                await withTaskGroup(of: Void.self) { group in
                    for writer in 0..<count {
                        group.addTask {
                            var turn = writer
                            while await !self.isStopped {
                                let candidates = ports()
                                guard !candidates.isEmpty else { continue }
                                let port = candidates[turn % candidates.count]
                                turn += 1
                                let id = await self.nextID(writer)
                                let answer = await AgentProcess.request(
                                    port: port, "PUT", "/v1/node/register", body: CrashRestartTests.nodeBody(id))
                                await self.record(id, ok: answer?.status == 200)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The HTTP ports of the running members, for writers running beside the test.
    final class RunningPorts: Sendable {
        private let ports = Mutex<[Int]>([])
        func set(_ value: [Int]) { ports.withLock { $0 = value } }
        var value: [Int] { ports.withLock { $0 } }
    }

    /// A three-server cluster (with mutual TLS unless `tls` is false) that has elected a leader.
    static func electedCluster(flags: [String] = [], tls: Bool = true) async throws -> ClusterProcesses {
        let cluster = ClusterProcesses(flags: flags, tls: tls)
        try cluster.bootstrap(3)
        #expect(await eventually { await cluster.agreedLeader() != nil })
        return cluster
    }

    /// Starts `count` writers on the cluster's running members; the test updates `ports` as
    /// members stop and start.
    static func startWriting(_ count: Int, to cluster: ClusterProcesses) -> (Writers, RunningPorts, Task<Void, Never>) {
        let ports = RunningPorts()
        ports.set(cluster.running.map(\.httpPort))
        let writers = Writers()
        return (writers, ports, writers.run(count: count, ports: { ports.value }))
    }

    /// Stops the writers and checks that every write they saw acknowledged is on each running member.
    static func stopAndCheck(_ writers: Writers, _ writing: Task<Void, Never>, on cluster: ClusterProcesses) async -> Set<String> {
        await writers.stop()
        await writing.value
        let acknowledged = await writers.acknowledged
        for member in cluster.running {
            let listed = await cluster.nodeIDs(asking: member) ?? []
            #expect(acknowledged.subtracting(listed).isEmpty, "\(member.name) lacks \(acknowledged.subtracting(listed).count) acknowledged writes")
        }
        return acknowledged
    }

    @Test("three agents elect a leader; a write sent to a follower is readable on all three")
    func writeThroughFollower() async throws {
        let cluster = try await Self.electedCluster()
        let leader = try #require(await cluster.agreedLeader())
        let follower = try #require(cluster.members.first { $0.name != leader.name })
        let write = await AgentProcess.request(
            port: follower.httpPort, "PUT", "/v1/node/register", body: CrashRestartTests.nodeBody("via-follower"))
        #expect(write?.status == 200)
        for member in cluster.members {
            // A default read goes through the leader's commit index, so it sees the write at once.
            #expect(await cluster.nodeIDs(asking: member)?.contains("via-follower") == true, "on \(member.name)")
            #expect(await eventually { await cluster.nodeIDs(asking: member, stale: true)?.contains("via-follower") == true })
        }
        let configuration = try #require(await cluster.configuration(asking: follower))
        #expect(configuration.map(\.name).sorted() == ["s1", "s2", "s3"] && configuration.allSatisfy(\.voter))

        // A stale blocking query on a follower parks until a write through the leader reaches it.
        let seen = try #require(await AgentProcess.request(port: follower.httpPort, "GET", "/v1/nodes?stale"))
        let index = try #require(seen.index)
        async let woken = AgentProcess.request(port: follower.httpPort, "GET", "/v1/nodes?stale&index=\(index)&wait=20s")
        let write2 = await AgentProcess.request(
            port: leader.httpPort, "PUT", "/v1/node/register", body: CrashRestartTests.nodeBody("wakes-follower"))
        #expect(write2?.status == 200)
        let answer = try #require(await woken)
        #expect(answer.index.map { $0 > index } == true)
        #expect(String(decoding: answer.body, as: UTF8.self).contains("wakes-follower"))
    }

    @Test("volume writes through followers: a registration, a claim and a refused claim each through a different server, read the same on all three")
    func volumesThroughFollowers() async throws {
        let cluster = try await Self.electedCluster()
        let leader = try #require(await cluster.agreedLeader())
        let followers = cluster.members.filter { $0.name != leader.name }
        try #require(followers.count == 2)
        #expect(await AgentProcess.request(port: followers[0].httpPort, "PUT", "/v1/node/register", body: VolumeLifecycleTests.node("n1", healthy: true))?.status == 200)
        let registered = await AgentProcess.request(port: followers[0].httpPort, "PUT", "/v1/volume/csi/vol-1", body: VolumeLifecycleTests.volume)
        #expect(registered?.status == 200)
        let claim = VolumeLifecycleTests.json(["AllocationID": "a1", "NodeID": "n1", "Claim": 1, "AccessMode": "single-node-writer", "AttachmentMode": "file-system"])
        let claimed = await AgentProcess.request(port: followers[1].httpPort, "PUT", "/v1/volume/csi/vol-1/claim", body: claim)
        #expect(claimed?.status == 200)
        let second = VolumeLifecycleTests.json(["AllocationID": "a2", "NodeID": "n1", "Claim": 1, "AccessMode": "single-node-writer", "AttachmentMode": "file-system"])
        let refused = await AgentProcess.request(port: followers[0].httpPort, "PUT", "/v1/volume/csi/vol-1/claim", body: second)
        #expect(refused?.status == 500)
        #expect(refused.map { String(decoding: $0.body, as: UTF8.self) } == "alloc \"a2\" failed to claim volume \"vol-1\": volume max claims reached")
        for member in cluster.members {
            let volume = VolumeLifecycleTests.object(await AgentProcess.request(port: member.httpPort, "GET", "/v1/volume/csi/vol-1"))
            #expect((volume?["WriteAllocs"] as? [String: Any])?.keys.sorted() == ["a1"], "on \(member.name)")
            let modifyIndex = volume?["ModifyIndex"] as? Int
            #expect(modifyIndex != nil && modifyIndex == claimed?.index, "on \(member.name)")
        }
    }

    @Test("caravan operator raft lists the peers and hands leadership to a follower")
    func operatorCommands() async throws {
        let cluster = try await Self.electedCluster()
        let leader = try #require(await cluster.agreedLeader())
        let follower = try #require(cluster.members.first { $0.name != leader.name })
        let address = "http://127.0.0.1:\(follower.httpPort)"
        let peers = try await AgentProcess.run(["operator", "raft", "list-peers", "-address", address])
        #expect(peers.status == 0, "\(peers.output)")
        let rows = peers.output.split(separator: "\n").dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(rows.map { String($0[0]) }.sorted() == ["s1", "s2", "s3"])
        #expect(rows.filter { $0[3] == "leader" }.map { String($0[0]) } == [leader.name])
        let transfer = try await AgentProcess.run(["operator", "raft", "transfer-leadership", "-peer-id", follower.name, "-address", address])
        #expect(transfer.status == 0, "\(transfer.output)")
        #expect(await eventually { await cluster.agreedLeader()?.name == follower.name })
        let unknown = try await AgentProcess.run(["operator", "raft", "remove-peer", "-peer-id", "nobody", "-address", address])
        #expect(unknown.status != 0 && unknown.output.contains("no server with id nobody"))
    }

    @Test("kill -9 of the leader during 16 writers: a new leader soon, no acknowledged write lost, the old leader catches up")
    func leaderFailover() async throws {
        let cluster = try await Self.electedCluster()
        let (writers, ports, writing) = Self.startWriting(16, to: cluster)
        var failovers: [Duration] = []
        for _ in 0..<Self.failoverRounds {
            let before = await writers.acknowledged.count
            #expect(await eventually { await writers.acknowledged.count >= before + 50 })
            let leader = try #require(await cluster.agreedLeader())
            cluster.kill(leader.name)
            ports.set(cluster.running.map(\.httpPort))
            let killed = ContinuousClock.now
            #expect(await eventually { await cluster.agreedLeader() != nil })
            failovers.append(ContinuousClock.now - killed)
            let during = await writers.acknowledged.count
            #expect(await eventually { await writers.acknowledged.count >= during + 50 }, "writes continue under the new leader")
            try cluster.restart(leader.name)
            ports.set(cluster.running.map(\.httpPort))
            #expect(await eventually { await cluster.agreedLeader() != nil })
        }
        let acknowledged = await Self.stopAndCheck(writers, writing, on: cluster)
        let sorted = failovers.sorted()
        let report =
            "failover over \(sorted.count) leader kills: p50 \(sorted[sorted.count / 2]), p99 \(sorted[min(sorted.count - 1, sorted.count * 99 / 100)]), max \(sorted.last!); \(acknowledged.count) writes acknowledged"
        if ProcessInfo.processInfo.environment["CARAVAN_SOAK"] == "1" { print(report) }
        #expect(failovers.allSatisfy { $0 < .seconds(5) }, "\(report)")
    }

    @Test("kill -9 of all three servers at once during 16 writers: a leader again after restarting them, no acknowledged write lost")
    func wholeClusterRestart() async throws {
        let cluster = try await Self.electedCluster()
        let (writers, ports, writing) = Self.startWriting(16, to: cluster)
        for round in 0..<2 {
            let before = await writers.acknowledged.count
            #expect(await eventually { await writers.acknowledged.count >= before + 50 }, "round \(round): writes go through")
            for member in cluster.members { cluster.kill(member.name) }
            let restarted = ContinuousClock.now
            for member in cluster.members { try cluster.restart(member.name) }
            ports.set(cluster.running.map(\.httpPort))
            #expect(await eventually { await cluster.agreedLeader() != nil }, "round \(round): a leader after restarting every server")
            if ProcessInfo.processInfo.environment["CARAVAN_SOAK"] == "1" {
                print("whole-cluster restart, round \(round): every server agrees on a leader \(ContinuousClock.now - restarted) after restarting them")
            }
        }
        let after = await writers.acknowledged.count
        #expect(await eventually { await writers.acknowledged.count >= after + 50 }, "writes continue after the restarts")
        _ = await Self.stopAndCheck(writers, writing, on: cluster)
    }

    @Test("a server that fell behind the compacted log catches up by snapshot")
    func catchUpBySnapshot() async throws {
        let cluster = try await Self.electedCluster(flags: ["-snapshot-interval", "64", "-raft-trailing-logs", "16"])
        let leader = try #require(await cluster.agreedLeader())
        let lagging = try #require(cluster.members.first { $0.name != leader.name })
        cluster.kill(lagging.name)
        for number in 0..<300 {
            let answer = await AgentProcess.request(
                port: leader.httpPort, "PUT", "/v1/node/register", body: CrashRestartTests.nodeBody("behind-\(number)"))
            #expect(answer?.status == 200)
        }
        try cluster.restart(lagging.name)
        let expected = Set((0..<300).map { "behind-\($0)" })
        #expect(await eventually { await cluster.nodeIDs(asking: lagging, stale: true).map { expected.isSubset(of: $0) } == true })
        #expect(await cluster.stat("caravan", "snapshots_installed", asking: lagging) == "1")
    }

    @Test("a fourth server is added and another removed while writes continue")
    func membershipChangesUnderWrites() async throws {
        let cluster = try await Self.electedCluster()
        let (writers, ports, writing) = Self.startWriting(8, to: cluster)
        let leader = try #require(await cluster.agreedLeader())
        let fourth = try cluster.addServer()
        ports.set(cluster.running.map(\.httpPort))
        #expect(
            await eventually {
                await cluster.configuration(asking: leader)?.filter(\.voter).map(\.name).sorted() == ["s1", "s2", "s3", "s4"]
            }, "\(fourth) joins and is promoted to voter")
        let removed = try #require(cluster.members.first { $0.name != leader.name && $0.name != fourth })
        let answer = await AgentProcess.request(port: leader.httpPort, "DELETE", "/v1/operator/raft/peer?id=\(removed.name)")
        #expect(answer?.status == 200)
        #expect(await eventually { await cluster.configuration(asking: leader)?.contains { $0.name == removed.name } == false })
        cluster.kill(removed.name)
        ports.set(cluster.running.map(\.httpPort))
        let after = await writers.acknowledged.count
        #expect(await eventually { await writers.acknowledged.count >= after + 50 }, "writes continue on the new configuration")
        _ = await Self.stopAndCheck(writers, writing, on: cluster)
    }

    @Test("without TLS a server that asks to join is not added until an operator adds it; then it is promoted once caught up")
    func joiningWithoutTLSTakesAnOperator() async throws {
        let cluster = try await Self.electedCluster(tls: false)
        let leader = try #require(await cluster.agreedLeader())
        let write = await AgentProcess.request(port: leader.httpPort, "PUT", "/v1/node/register", body: CrashRestartTests.nodeBody("before"))
        #expect(write?.status == 200)
        let fourth = cluster.member(try cluster.addServer())
        let introducer = cluster.members[0]
        #expect(
            await eventually { cluster.output(of: introducer.name).contains("server \(fourth.name) (\(fourth.raftAddress)) asks to join") },
            "the server it asks says who asks to join and how to add it")
        #expect(await cluster.configuration(asking: leader)?.count == 3, "not added by its own say-so")
        let added = try await AgentProcess.run([
            "operator", "raft", "add-peer", "-peer-id", fourth.name, "-peer-address", fourth.raftAddress,
            "-address", "http://127.0.0.1:\(leader.httpPort)",
        ])
        #expect(added.status == 0, "\(added.output)")
        #expect(
            await eventually { await cluster.configuration(asking: leader)?.filter(\.voter).map(\.name).sorted() == ["s1", "s2", "s3", "s4"] },
            "promoted once it caught up")
        #expect(await eventually { await cluster.nodeIDs(asking: fourth, stale: true)?.contains("before") == true })
    }

    @Test("with no quorum a write answers 500 No cluster leader instead of hanging")
    func noLeader() async throws {
        let cluster = try await Self.electedCluster()
        let survivor = cluster.members[0]
        for member in cluster.members.dropFirst() { cluster.kill(member.name) }
        #expect(await eventually { await cluster.leader(asking: survivor) == nil })
        let answer = await AgentProcess.request(port: survivor.httpPort, "PUT", "/v1/node/register", body: CrashRestartTests.nodeBody("x"))
        #expect(answer?.status == 500)
        #expect(answer.map { String(decoding: $0.body, as: UTF8.self) } == "No cluster leader")
        let stale = await AgentProcess.request(port: survivor.httpPort, "GET", "/v1/nodes?stale")
        #expect(stale?.status == 200, "a stale read is served without a leader")
    }
}

/// ACLs across three `caravan agent -acl-enabled` processes: tokens and policies are log
/// entries like everything else, so every server enforces the same ones.
@Suite(.serialized)
struct ClusterACLTests {
    static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    }

    static func field(_ answer: AgentProcess.Answer?, _ name: String) -> String? {
        guard let answer, let object = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any] else { return nil }
        return object[name] as? String
    }

    @Test("a token created through one follower works at once on the other; once deleted, no follower takes a write with it")
    func tokensAcrossServers() async throws {
        let cluster = try await ClusterTests.electedCluster(flags: ["-acl-enabled"])
        let leader = try #require(await cluster.agreedLeader())
        let followers = cluster.members.filter { $0.name != leader.name }
        let (first, second) = (followers[0], followers[1])

        let bootstrap = await AgentProcess.request(port: first.httpPort, "PUT", "/v1/acl/bootstrap")
        #expect(bootstrap?.status == 200)
        let management = try #require(Self.field(bootstrap, "SecretID"))
        let policy = Self.json(["Name": "nodes", "Rules": "node { policy = \"write\" }"])
        #expect(await AgentProcess.request(port: second.httpPort, "PUT", "/v1/acl/policy/nodes", body: policy, token: management)?.status == 200)
        let created = await AgentProcess.request(
            port: second.httpPort, "PUT", "/v1/acl/token", body: Self.json(["Name": "nodes", "Type": "client", "Policies": ["nodes"]]),
            token: management)
        let secret = try #require(Self.field(created, "SecretID"))
        let accessor = try #require(Self.field(created, "AccessorID"))

        let address = "http://127.0.0.1:\(second.httpPort)"
        let refused = try await AgentProcess.run(["operator", "raft", "list-peers", "-address", address])
        #expect(refused.status != 0 && refused.output.contains("403 Permission denied"), "\(refused.output)")
        let listed = try await AgentProcess.run(["operator", "raft", "list-peers", "-address", address, "-token", management])
        #expect(listed.status == 0 && !listed.output.contains(management), "\(listed.output)")

        let write = await AgentProcess.request(
            port: first.httpPort, "PUT", "/v1/node/register", body: CrashRestartTests.nodeBody("with-token"), token: secret)
        #expect(write?.status == 200, "a follower that had not applied the token yet must catch up rather than refuse it")
        for member in cluster.members {
            #expect(await AgentProcess.request(port: member.httpPort, "GET", "/v1/nodes", token: secret)?.status == 200, "\(member.name)")
            #expect(await AgentProcess.request(port: member.httpPort, "GET", "/v1/nodes")?.status == 403, "\(member.name)")
        }

        #expect(await AgentProcess.request(port: leader.httpPort, "DELETE", "/v1/acl/token/\(accessor)", token: management)?.status == 200)
        for follower in followers {
            // The follower still knows the token, but the leader checks the write against its own state.
            let refused = await AgentProcess.request(
                port: follower.httpPort, "PUT", "/v1/node/register", body: CrashRestartTests.nodeBody("deleted-token"), token: secret)
            #expect(refused?.status == 403, "\(follower.name)")
        }
        for member in cluster.members {
            #expect(
                await eventually { await AgentProcess.request(port: member.httpPort, "GET", "/v1/nodes", token: secret)?.status == 403 },
                "\(member.name)")
        }
    }
}
