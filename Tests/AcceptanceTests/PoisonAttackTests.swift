import CaravanAdmission
import CaravanCore
import CaravanModel
import CaravanRaft
import CaravanState
import CaravanTestSupport
import Foundation
import Testing

@testable import CaravanServer

/// The attacks that could once put an entry in the log that every replica fails on, or take a
/// cluster over, replayed against real three-server clusters with ACLs on: each changes
/// nothing, and the cluster keeps serving and restarts. Without TLS the leader's own checks
/// refuse the forged frames (the forger sees the refusal come back); with mutual TLS the forger
/// never gets past the handshake.
@Suite(.serialized)
struct PoisonAttackTests {
    /// A three-server cluster with ACLs on, bootstrapped; its leader and management secret.
    static func cluster(tls: Bool) async throws -> (ClusterProcesses, ClusterProcesses.Member, String) {
        let cluster = try await ClusterTests.electedCluster(flags: ["-acl-enabled"], tls: tls)
        let leader = try #require(await cluster.agreedLeader())
        let bootstrap = await AgentProcess.request(port: leader.httpPort, "PUT", "/v1/acl/bootstrap")
        #expect(bootstrap?.status == 200)
        return (cluster, leader, try #require(ClusterACLTests.field(bootstrap, "SecretID")))
    }

    /// A management token with a secret of the attacker's choosing, as an upsert command.
    static let forgedToken = Command.aclTokenUpsert(
        ACLTokenUpsert(
            tokens: [ACLToken(accessorID: "forged-accessor", secretID: "forged-secret", type: ACLToken.management, createTime: 0)],
            isUpdate: false))

    /// A command in a format no build knows (version 99), 27 bytes long.
    static let unknownFormat: [UInt8] = [99, 9] + [UInt8](repeating: 0, count: 25)

    /// Every running member refuses the forged secret and lists only the tokens it had, and a
    /// write through each still commits.
    static func expectUnharmed(_ cluster: ClusterProcesses, management: String, tokens: Int = 1) async {
        for member in cluster.running {
            let forged = await AgentProcess.request(port: member.httpPort, "GET", "/v1/acl/tokens", token: "forged-secret")
            #expect(forged?.status == 403, "\(member.name) does not know the forged token")
            let listed = await AgentProcess.request(port: member.httpPort, "GET", "/v1/acl/tokens", token: management)
            let count = (listed.flatMap { try? JSONSerialization.jsonObject(with: $0.body) as? [Any] })?.count
            #expect(count == tokens, "\(member.name) lists the tokens it had")
            let write = await AgentProcess.request(
                port: member.httpPort, "PUT", "/v1/node/register", body: CrashRestartTests.nodeBody("after-\(member.name)"), token: management)
            #expect(write?.status == 200, "\(member.name) takes writes")
        }
    }

    @Test("without TLS the leader refuses forged frames: a stranger's hello, a management token, an unknown format, membership changes, a second sender on one connection")
    func forgedFramesWithoutTLS() async throws {
        let (cluster, leader, management) = try await Self.cluster(tls: false)
        let stranger = try await Forger(name: "stranger")
        stranger.hello(to: leader.raftAddress)
        #expect(
            await eventually { cluster.output(of: leader.name).contains("server stranger (\(stranger.identity.raftAddress)) asks to join") },
            "a stranger's hello is reported, not obeyed")

        // A server an operator added, or anyone on a plaintext network who claims its ID: the
        // leader answers it, and refuses whatever it forwards that its token does not allow.
        let ghost = try await Forger(name: "ghost")
        let added = await AgentProcess.request(
            port: leader.httpPort, "PUT", "/v1/operator/raft/peer?id=ghost&address=\(ghost.identity.raftAddress)", token: management)
        #expect(added?.status == 200)
        let token = ghost.forward(.command(Self.forgedToken.encoded()), to: leader.raftAddress)
        #expect(await ghost.answer(to: token) == .refused(.permissionDenied))
        let guessed = ghost.forward(.command(Self.forgedToken.encoded()), credentials: WriteCredentials(secret: "a guess"), to: leader.raftAddress)
        #expect(await ghost.answer(to: guessed) == .refused(.permissionDenied))

        let lastIndex = await cluster.stat("raft", "last_log_index", asking: leader, token: management)
        #expect(lastIndex != nil)
        let unknown = ghost.forward(.command(Self.unknownFormat), credentials: WriteCredentials(secret: management), to: leader.raftAddress)
        guard case .refused(let refusal) = await ghost.answer(to: unknown) else {
            Issue.record("a command in an unknown format was not refused")
            return
        }
        #expect(refusal.kind == .invalid && refusal.message.contains("unsupported encoding version 99"), "\(refusal)")
        #expect(await cluster.stat("raft", "last_log_index", asking: leader, token: management) == lastIndex, "nothing was proposed")

        let followers = cluster.members.filter { $0.name != leader.name }
        for operation: ForwardedOperation in [
            .configuration(.promote(ghost.identity.id)), .configuration(.remove(Server.id(named: followers[0].name))),
            .transferLeadership(Server.id(named: followers[1].name)),
        ] {
            let request = ghost.forward(operation, to: leader.raftAddress)
            #expect(await ghost.answer(to: request) == .refused(.permissionDenied), "\(operation)")
        }
        let configuration = try #require(await cluster.configuration(asking: leader, token: management))
        #expect(configuration.filter(\.voter).map(\.name).sorted() == ["s1", "s2", "s3"])
        #expect(configuration.map(\.name).sorted() == ["ghost", "s1", "s2", "s3"], "the stranger was not added")
        #expect(await cluster.agreedLeader()?.name == leader.name)

        let refusals = Int(await cluster.stat("caravan", "raft_port_refusals", asking: leader, token: management) ?? "") ?? 0
        _ = ghost.forward(.command(Self.forgedToken.encoded()), to: leader.raftAddress, sender: Server.id(named: followers[0].name))
        #expect(
            await eventually { cluster.output(of: leader.name).contains("not the sender its connection named first") },
            "a connection that names a second sender is closed")
        #expect(Int(await cluster.stat("caravan", "raft_port_refusals", asking: leader, token: management) ?? "") ?? 0 > refusals)

        let garbage = try await Forger(name: "garbage")
        garbage.send(raw: [0xFF] + Self.unknownFormat, to: leader.raftAddress)
        #expect(
            await eventually { cluster.output(of: leader.name).contains("a frame does not decode") },
            "a connection that sends a frame that does not decode is closed")

        await Self.expectUnharmed(cluster, management: management)
        try await Self.restartAll(cluster)
        await Self.expectUnharmed(cluster, management: management)
    }

    @Test("a forwarded promotion is refused even with an operator's token: a server added by mistake never votes")
    func promotionNeedsAReplicatingServer() async throws {
        let (cluster, leader, management) = try await Self.cluster(tls: false)
        let ghost = try await Forger(name: "ghost")
        let added = await AgentProcess.request(
            port: leader.httpPort, "PUT", "/v1/operator/raft/peer?id=ghost&address=\(ghost.identity.raftAddress)", token: management)
        #expect(added?.status == 200)
        let promote = ghost.forward(
            .configuration(.promote(ghost.identity.id)), credentials: WriteCredentials(secret: management), to: leader.raftAddress)
        #expect(await ghost.answer(to: promote) == .refused(.invalid("the leader promotes a server itself, once it replicates the log")))
        let configuration = try #require(await cluster.configuration(asking: leader, token: management))
        #expect(configuration.filter(\.voter).map(\.name).sorted() == ["s1", "s2", "s3"])
        #expect(configuration.contains { $0.name == "ghost" && !$0.voter })
        await Self.expectUnharmed(cluster, management: management)
    }

    @Test("with mutual TLS, a forger without the cluster's certificate is closed before any frame is read, even with a management token")
    func forgedFramesWithTLS() async throws {
        let (cluster, leader, management) = try await Self.cluster(tls: true)
        let intruders = try TestCertificates()
        defer { intruders.remove() }
        let files = try intruders.server("intruder")
        let foreignCA = try PeerTLS(caFile: intruders.caFile, certificateFile: files.certificateFile, keyFile: files.keyFile)
        for (name, tls) in [("plaintext", nil), ("foreign-ca", foreignCA)] as [(String, PeerTLS?)] {
            let refusals = Int(await cluster.stat("caravan", "raft_port_refusals", asking: leader, token: management) ?? "") ?? -1
            #expect(refusals >= 0)
            let forger = try await Forger(name: name, tls: tls)
            let credentials = WriteCredentials(secret: management)
            forger.hello(to: leader.raftAddress)
            _ = forger.forward(.command(Self.forgedToken.encoded()), credentials: credentials, to: leader.raftAddress)
            _ = forger.forward(.command(Self.unknownFormat), credentials: credentials, to: leader.raftAddress)
            let follower = try #require(cluster.members.first { $0.name != leader.name })
            _ = forger.forward(.configuration(.remove(Server.id(named: follower.name))), credentials: credentials, to: leader.raftAddress)
            #expect(
                await eventually {
                    Int(await cluster.stat("caravan", "raft_port_refusals", asking: leader, token: management) ?? "") ?? 0 > refusals
                }, "the leader refuses \(name)'s connection")
        }
        #expect(cluster.output(of: leader.name).contains("during TLS"))
        #expect(await cluster.configuration(asking: leader, token: management)?.map(\.name).sorted() == ["s1", "s2", "s3"])
        await Self.expectUnharmed(cluster, management: management)
    }

    @Test("a job whose counts overflow is refused with 400; counts that add up past 2^32 apply, read, and survive kill -9 of every server")
    func overflowingCounts() async throws {
        let (cluster, leader, management) = try await Self.cluster(tls: true)
        let policy = ClusterACLTests.json([
            "Name": "team-submit", "Rules": "namespace \"team\" { capabilities = [\"submit-job\", \"csi-register-plugin\"] }",
        ])
        #expect(await AgentProcess.request(port: leader.httpPort, "PUT", "/v1/namespace/team", body: ClusterACLTests.json(["Name": "team"]), token: management)?.status == 200)
        #expect(await AgentProcess.request(port: leader.httpPort, "PUT", "/v1/acl/policy/team-submit", body: policy, token: management)?.status == 200)
        let created = await AgentProcess.request(
            port: leader.httpPort, "PUT", "/v1/acl/token",
            body: ClusterACLTests.json(["Name": "team", "Type": "client", "Policies": ["team-submit"]]), token: management)
        let secret = try #require(ClusterACLTests.field(created, "SecretID"))
        let follower = try #require(cluster.members.first { $0.name != leader.name })

        let overflowing = Self.pluginJob("overflow", counts: [Int.max, 1])
        for member in [leader, follower] {
            let answer = await AgentProcess.request(port: member.httpPort, "PUT", "/v1/jobs?namespace=team", body: overflowing, token: secret)
            #expect(answer?.status == 400, "\(member.name)")
            #expect(answer.map { String(decoding: $0.body, as: UTF8.self) }?.contains("can't be greater than 2147483647") == true)
        }
        for id in ["big-1", "big-2"] {
            let answer = await AgentProcess.request(
                port: follower.httpPort, "PUT", "/v1/jobs?namespace=team", body: Self.pluginJob(id, counts: [Int(Int32.max), Int(Int32.max)]),
                token: secret)
            #expect(answer?.status == 200, "\(id)")
        }
        let expected = 4 * Int(Int32.max)
        #expect(await Self.nodesExpected(on: cluster.running, management: management) == [expected, expected, expected])
        try await Self.restartAll(cluster)
        #expect(await Self.nodesExpected(on: cluster.running, management: management) == [expected, expected, expected])
        await Self.expectUnharmed(cluster, management: management, tokens: 2)
    }

    /// `kill -9` of every server at once, then every one started again; waits for a leader.
    static func restartAll(_ cluster: ClusterProcesses) async throws {
        for member in cluster.members { cluster.kill(member.name) }
        for member in cluster.members { try cluster.restart(member.name) }
        #expect(await eventually { await cluster.agreedLeader() != nil }, "a leader after restarting every server")
    }

    /// A job in namespace `team` whose groups run plugin `ebs`'s node role with `counts`.
    static func pluginJob(_ id: String, counts: [Int]) -> Data {
        let groups = counts.enumerated().map { position, count -> [String: Any] in
            [
                "Name": "g\(position)", "Count": count,
                "Tasks": [["Name": "plugin", "Driver": "docker", "CSIPluginConfig": ["ID": "ebs", "Type": "node"]]],
            ]
        }
        return ClusterACLTests.json(["Job": ["ID": id, "Namespace": "team", "TaskGroups": groups]])
    }

    /// `NodesExpected` of plugin `ebs` in `GET /v1/plugins` on each member.
    static func nodesExpected(on members: [ClusterProcesses.Member], management: String) async -> [Int?] {
        var counts: [Int?] = []
        for member in members {
            let answer = await AgentProcess.request(port: member.httpPort, "GET", "/v1/plugins?type=csi", token: management)
            let plugins = answer.flatMap { try? JSONSerialization.jsonObject(with: $0.body) as? [[String: Any]] }
            counts.append(plugins?.first { $0["ID"] as? String == "ebs" }?["NodesExpected"] as? Int)
        }
        return counts
    }
}
