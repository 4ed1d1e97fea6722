import CaravanCore
import CaravanDurability
import CaravanRaft
import CaravanState
import CaravanStorage
import CaravanTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import CaravanServer

/// The bounds on what requests can make a server hold (``ServerLimits``), set small: a request
/// that meets one is answered `429 Too Many Requests` naming the bound, nothing changes, and the
/// server keeps answering.
struct LimitTests {
    /// How long a wait for requests to arrive may take: generous, since the whole suite runs in
    /// parallel on a small machine (two cores, two cooperative threads) and has starved these tasks for over a minute.
    static let patience = Duration.seconds(300)

    @Test("a write that finds the inbox full is answered 429 and not proposed")
    func inboxFull() async throws {
        let agent = TestAgent(node: ServerNode(clock: { TestAgent.clockTime }, limits: ServerLimits(inbox: 0)))
        let start = agent.index
        try await agent.run { client in
            let refused = try await client.put("/v1/node/register", body: ["Node": Body.node("n1")])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.text == "too many inputs waiting for the server's processing loop (limit 0)")
            #expect(refused.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(agent.index == start, "nothing was proposed")
            let read = try await client.get("/v1/nodes")
            #expect(read.status == .ok)
            #expect(try read.array.isEmpty)
        }
    }

    @Test("a blocking query past the parked bound is answered 429; once the parked ones answer, queries park again")
    func parkedQueries() async throws {
        let agent = TestAgent(node: ServerNode(clock: { TestAgent.clockTime }, limits: ServerLimits(parkedQueries: 2)))
        let start = agent.index
        try await agent.run { client in
            async let first = client.get("/v1/nodes?index=\(start)&wait=120s")
            async let second = client.get("/v1/plugins?index=\(start)&wait=120s")
            try await eventually(within: LimitTests.patience, "two queries park") { agent.store.parkedCount == 2 }
            let refused = try await client.get("/v1/nodes?index=\(start)&wait=120s")
            #expect(refused.status == .tooManyRequests)
            #expect(refused.text == "too many parked blocking queries (limit 2)")
            #expect(agent.store.parkedCount == 2)
            #expect(agent.index == start)
            try await client.registerNode(Body.node("n1", nodes: [Body.nodePlugin("ebs")]))
            #expect(try await first.status == .ok)
            #expect(try await second.status == .ok)
            let again = try await client.get("/v1/nodes?index=\(start + 1)&wait=20ms")
            #expect(again.status == .ok)
            #expect(again.index == start + 1)
        }
    }

    @Test(
        "a write on a follower past a bound on waiting requests (for the leader's answer, to be applied) is answered 429 and not sent",
        arguments: [
            (ServerLimits(pendingRequests: 2), "too many requests waiting for the leader's answer (limit 2)"),
            (ServerLimits(applyWaiters: 2), "too many writes and reads waiting to be applied on this server (limit 2)"),
        ])
    func waitingRequests(limits: ServerLimits, message: String) async throws {
        let follower = try Follower(limits: limits)
        await follower.heartbeat(from: 1, term: 2)
        try await follower.agent.run { client in
            async let first = client.put("/v1/node/register", body: ["Node": Body.node("n1")])
            async let second = client.put("/v1/node/register", body: ["Node": Body.node("n2")])
            try await eventually(within: LimitTests.patience, "two writes wait for the leader") { await follower.node.requestWaiters.count == 2 }
            let refused = try await client.put("/v1/node/register", body: ["Node": Body.node("n3")])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.text == message)
            #expect(await follower.node.requestWaiters.count == 2, "the refused write was not sent")
            try await follower.expectAnswers(client)
            await follower.heartbeat(from: 2, term: 3)
            #expect(try await first.status == .internalServerError, "the leader they went to lost its leadership")
            #expect(try await second.status == .internalServerError)
        }
    }

    @Test("a write past the bound on requests waiting for a leader is answered 429 instead of waiting")
    func leaderWaiters() async throws {
        let follower = try Follower(limits: ServerLimits(leaderWaiters: 2))
        try await follower.agent.run { client in
            async let first = client.put("/v1/node/register", body: ["Node": Body.node("n1")])
            async let second = client.put("/v1/node/register", body: ["Node": Body.node("n2")])
            try await eventually(within: LimitTests.patience, "two writes wait for a leader") { await follower.node.leaderWaiters.count == 2 }
            let refused = try await client.put("/v1/node/register", body: ["Node": Body.node("n3")])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.text == "too many requests waiting for a cluster leader (limit 2)")
            #expect(await follower.node.leaderWaiters.count == 2)
            try await follower.expectAnswers(client)
            await follower.heartbeat(from: 1, term: 2)
            try await eventually(within: LimitTests.patience, "both writes went to the leader") { await follower.node.requestWaiters.count == 2 }
            await follower.heartbeat(from: 2, term: 3)
            #expect(try await first.status == .internalServerError)
            #expect(try await second.status == .internalServerError)
        }
    }

    @Test("a leader's refusal at a full inbox crosses the wire intact and is answered 429 by the follower")
    func overloadedLeaderAnswer() throws {
        let frame = PeerFrame.forwardResult(requestID: 7, from: 2, result: .overloaded("too many inputs (limit 1)"))
        guard case .forwardResult(7, 2, let result) = try PeerFrame(decoding: frame.encoded()) else {
            Issue.record("the frame did not decode as it was encoded")
            return
        }
        #expect(result == .overloaded("too many inputs (limit 1)"))
        let error = APIError(SubmitError.overloaded("too many inputs (limit 1)"))
        #expect(error.status == .tooManyRequests)
        #expect(error.message == "too many inputs (limit 1)")
    }
}

/// A follower of a three-server cluster whose other servers do not run: it starts from the
/// bootstrap entry, has no clock and no transport (what it sends goes nowhere), and learns of a
/// leader only from the heartbeats a test hands it. It never applies anything, so its index
/// shows that nothing it was asked changed its state.
struct Follower {
    static let servers = ["a", "b", "c"].map {
        Server(id: Server.id(named: $0), name: $0, raftAddress: "127.0.0.1:1", httpAddress: "", isVoter: true)
    }
    let node: ServerNode
    let agent: TestAgent
    let startIndex: UInt64

    init(limits: ServerLimits) throws {
        let disk = SimulatedDisk()
        var log = try WriteAheadLog(directory: disk.directory("data/wal"))
        try log.append(Raft.bootstrap(Configuration(Self.servers)).entries)
        log.close()
        let directory = DataDirectory(path: "data", wal: disk.directory("data/wal"), snapshots: disk.directory("data/snapshots"))
        node = try ServerNode(
            directory: directory, membership: ClusterMembership(server: Self.servers[0], bootstrapExpect: 3),
            timing: ClusterTiming(leaderWait: .seconds(60)), clock: { TestAgent.clockTime }, limits: limits)
        agent = TestAgent(node: node)
        startIndex = node.store.state.index
    }

    /// Hands the follower a heartbeat from `servers[leader]` in `term`, and waits until it
    /// follows that leader.
    func heartbeat(from leader: Int, term: UInt64) async {
        let id = Self.servers[leader].id
        await node.enqueue(.message(Message(kind: .heartbeat, from: id, to: Self.servers[0].id, term: term)))
        try? await eventually(within: LimitTests.patience, "the follower follows \(Self.servers[leader].name)") { node.clusterStatus.leader?.id == id }
    }

    /// Checks that the follower's state did not change and that it still answers reads.
    func expectAnswers(_ client: any TestClientProtocol) async throws {
        #expect(node.store.state.index == startIndex, "nothing was applied")
        let read = try await client.get("/v1/nodes?stale")
        #expect(read.status == .ok)
        #expect(try read.array.isEmpty)
    }
}
