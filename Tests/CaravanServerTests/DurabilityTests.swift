import CaravanCore
import CaravanDurability
import CaravanRaft
import CaravanServer
import CaravanState
import CaravanStorage
import CaravanTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// A server with a data directory: what it acknowledges survives a restart, and a restart
/// rebuilds the same state from snapshots and the log.
struct DurabilityTests {
    static func directory(on disk: SimulatedDisk) -> DataDirectory {
        DataDirectory(path: "data", wal: disk.directory("data/wal"), snapshots: disk.directory("data/snapshots"))
    }

    /// Small segments and frequent snapshots, so that a few hundred entries cross both.
    static let durability = DurabilityOptions(snapshotInterval: 40, trailingEntries: 25, wal: WALOptions(segmentSize: 8192))

    static func submitAll(_ commands: [Command], to node: ServerNode) async throws {
        for command in commands { _ = try await node.submit(command) }
    }

    /// A one-server raft cluster (`-raft-addr`, `-bootstrap-expect 1`).
    static let oneServerRaft = ClusterMembership(
        server: Server(id: Server.id(named: "s1"), name: "s1", raftAddress: "127.0.0.1:1", httpAddress: "", isVoter: true))

    @Test("a one-server raft cluster writes its configuration into its log and leads again after a restart")
    func oneServerRaftClusterLeadsAfterRestart() async throws {
        let disk = SimulatedDisk()
        let node = try ServerNode(directory: Self.directory(on: disk), membership: Self.oneServerRaft)
        #expect(node.clusterStatus.isLeader)
        try await Self.submitAll(Fixture.randomCommands(count: 20, seed: 3), to: node)
        let before = node.store.state
        disk.crash { _ in .lost }
        let restarted = try ServerNode(directory: Self.directory(on: disk), membership: Self.oneServerRaft)
        #expect(restarted.clusterStatus.isLeader)
        #expect(restarted.clusterStatus.configuration.voters == [Server.id(named: "s1")])
        #expect(restarted.store.state.index == before.index + 1, "everything it had, and its new term's no-op")
        let log = try WriteAheadLog(directory: disk.directory("data/wal"))
        #expect(try log.entries(from: 1, to: 1).first?.kind == .configuration)
        log.close()
    }

    @Test("a one-server raft cluster whose log an older build wrote without its configuration still leads after a restart")
    func oneServerRaftClusterFromAnOlderBuildLeads() async throws {
        let disk = SimulatedDisk()
        var log = try WriteAheadLog(directory: disk.directory("data/wal"))
        let registration = Command.nodeRegister(NodeRegistration(node: Fixture.node("n1"), time: Fixture.time))
        try log.append([LogEntry(index: 1, term: 1, kind: .noop, data: []), LogEntry(index: 2, term: 1, data: registration.encoded())])
        log.close()
        let node = try ServerNode(directory: Self.directory(on: disk), membership: Self.oneServerRaft)
        #expect(node.clusterStatus.isLeader)
        #expect(node.store.state.node(id: "n1") != nil)
    }

    @Test("a restarted server has the state it had, hash for hash, after snapshots and log compaction")
    func restartKeepsState() async throws {
        let disk = SimulatedDisk()
        let commands = Fixture.randomCommands(count: 300, seed: 11)
        let node = try ServerNode(directory: Self.directory(on: disk), durability: Self.durability)
        let start = node.store.state.index  // the leader's no-op as the fresh server elects itself
        try await Self.submitAll(commands, to: node)
        try await node.snapshotNow()
        let before = node.store.state
        #expect(before.index == start + 300)
        let statistics = await node.statistics
        #expect(statistics.snapshots >= 1)

        disk.crash { _ in .lost }  // everything acknowledged was synced
        let restarted = try ServerNode(directory: Self.directory(on: disk), durability: Self.durability)
        // The state it had, and then the restarted server's no-op as it re-elects itself.
        var expected = StateMachine(state: before)
        _ = expected.apply(index: before.index + 1, command: .noop)
        #expect(restarted.store.state.index == before.index + 1)
        #expect(restarted.store.state.stateHash == expected.state.stateHash)
        #expect(disk.allFileNames.filter { $0.hasSuffix(".snap") }.count == 2, "the newest two snapshots are kept")

        // The restarted server goes on from where it was.
        let more = Fixture.randomCommands(count: 20, seed: 12)
        try await Self.submitAll(more, to: restarted)
        // The log: the first leader's no-op(s), the commands, the restarted server's no-op, the rest.
        let log = Array(repeating: Command.noop, count: Int(start)) + commands + [.noop] + more
        var reference = StateMachine()
        for (offset, command) in log.enumerated() { _ = reference.apply(index: UInt64(offset + 1), command: command) }
        #expect(restarted.store.state.index == reference.state.index)
        #expect(restarted.store.state.stateHash == reference.state.stateHash)
    }

    @Test("a damaged newest snapshot falls back to the older one and a longer replay, to the same state")
    func damagedSnapshotFallsBack() async throws {
        let disk = SimulatedDisk()
        let node = try ServerNode(directory: Self.directory(on: disk), durability: Self.durability)
        let start = node.store.state.index  // the leader's no-op
        try await Self.submitAll(Fixture.randomCommands(count: 200, seed: 21), to: node)
        try await node.snapshotNow()
        let last = node.store.state.index
        #expect(last == start + 200)
        let hash = node.store.state.stateHash
        let newest = disk.allFileNames.filter { $0.hasSuffix(".snap") }.max()!
        disk.flipBit(file: newest, at: disk.size(of: newest)! / 2)

        let recovery = try Self.directory(on: disk).recover(options: Self.durability.wal)
        #expect(recovery.skippedSnapshots.count == 1)
        #expect(recovery.snapshotIndex! < last)
        #expect(recovery.entriesReplayed == Int(last - recovery.snapshotIndex!))
        #expect(recovery.machine.state.stateHash == hash)
    }

    @Test("replaying to an index gives the state a server had at that index")
    func replayToIndex() async throws {
        let disk = SimulatedDisk()
        let commands = Fixture.randomCommands(count: 120, seed: 31)
        let node = try ServerNode(
            directory: Self.directory(on: disk), durability: DurabilityOptions(snapshotInterval: 1000, wal: WALOptions(segmentSize: 8192)))
        let start = node.store.state.index  // the leader's no-op
        try await Self.submitAll(Array(commands.prefix(70)), to: node)
        let target = node.store.state  // the server after its 70th write
        #expect(target.index == start + 70)
        try await Self.submitAll(Array(commands.dropFirst(70)), to: node)
        // The same log applied directly: the leader's no-op(s), then the first 70 commands.
        let log = Array(repeating: Command.noop, count: Int(start)) + commands.prefix(70)
        var reference = StateMachine()
        for (offset, command) in log.enumerated() { _ = reference.apply(index: UInt64(offset + 1), command: command) }
        #expect(reference.state.stateHash == target.stateHash)
        var readOnly = WALOptions(segmentSize: 8192)
        readOnly.readOnly = true
        let recovery = try Self.directory(on: disk).recover(options: readOnly, to: target.index)
        #expect(recovery.machine.state.index == target.index)
        #expect(recovery.machine.state.stateHash == target.stateHash)
    }

    @Test("a write whose sync fails is refused, changes nothing, and the server refuses writes after it")
    func failedSyncIsNotAcknowledged() async throws {
        let disk = SimulatedDisk()
        let node = try ServerNode(directory: Self.directory(on: disk), durability: Self.durability)
        let commands = Fixture.randomCommands(count: 3, seed: 41)
        let start = node.store.state.index  // the leader's no-op
        _ = try await node.submit(commands[0])
        disk.failsSyncs = true
        await #expect(throws: SubmitError.self) { _ = try await node.submit(commands[1]) }
        #expect(node.store.state.index == start + 1)
        disk.failsSyncs = false
        await #expect(throws: SubmitError.self) { _ = try await node.submit(commands[2]) }
        #expect(node.store.state.index == start + 1)

        disk.crash { _ in .kept }
        let restarted = try ServerNode(directory: Self.directory(on: disk), durability: Self.durability)
        // The acknowledged write survives (the refused one may too: its bytes were kept), then
        // the restarted server's no-op as it re-elects itself.
        #expect(restarted.store.state.index >= start + 1 + 1)
    }

    @Test("a full disk over HTTP: the write that cannot be synced answers 500 naming it, reads go on, nothing acknowledged is lost, and writes resume after a restart")
    func fullDiskOverHTTP() async throws {
        let disk = SimulatedDisk()
        let node = try ServerNode(directory: Self.directory(on: disk), durability: Self.durability)
        let agent = TestAgent(node: node)
        try await agent.run { client in
            try await client.registerNode(Body.node("before"))
            disk.failsSyncs = true
            let refused = try await client.put("/v1/node/register", body: ["Node": Body.node("during")])
            #expect(refused.status == .internalServerError)
            #expect(refused.text.contains("storage"), "\(refused.text)")
            let read = try await client.get("/v1/nodes")
            #expect(read.status == .ok)
            #expect(try read.array.count == 1, "the acknowledged node, and not the refused one")
            disk.failsSyncs = false
            let after = try await client.put("/v1/node/register", body: ["Node": Body.node("after")])
            #expect(after.status == .internalServerError, "a server whose disk failed takes no writes until it restarts")
        }
        disk.crash { _ in .lost }
        let restarted = TestAgent(node: try ServerNode(directory: Self.directory(on: disk), durability: Self.durability))
        try await restarted.run { client in
            let names = try await client.get("/v1/nodes").array.compactMap { ($0 as? [String: Any])?["ID"] as? String }
            #expect(names == ["before"])
            try await client.registerNode(Body.node("resumed"))
            #expect(try await client.get("/v1/nodes").array.count == 2)
        }
    }

    @Test("a background snapshot that fails is reported and retried later; writes go on")
    func failingSnapshots() async throws {
        let (logDisk, snapshotDisk) = (SimulatedDisk(), SimulatedDisk())
        let directory = DataDirectory(path: "data", wal: logDisk.directory("wal"), snapshots: snapshotDisk.directory("snapshots"))
        let node = try ServerNode(directory: directory, durability: DurabilityOptions(snapshotInterval: 10, wal: WALOptions(segmentSize: 8192)))
        let start = node.store.state.index  // the leader's no-op
        let commands = Fixture.randomCommands(count: 60, seed: 51)
        snapshotDisk.failsSyncs = true
        try await Self.submitAll(Array(commands[0..<30]), to: node)
        try await eventually("the failed snapshot is reported") { await node.statistics.lastSnapshotError != nil }
        #expect(await node.statistics.snapshots == 0)
        snapshotDisk.failsSyncs = false
        try await Self.submitAll(Array(commands[30..<60]), to: node)
        #expect(node.store.state.index == start + 60)
        try await eventually("a later snapshot succeeds") { await node.statistics.snapshots >= 1 }
        #expect(await node.statistics.lastSnapshotError == nil)
    }
}

/// One data directory, one server.
struct DataDirectoryLockTests {
    @Test("a second agent cannot take a data directory another holds; it can once the first lets go")
    func exclusive() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-lock-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var first: DataDirectory.Lock? = try DataDirectory(path: path).lock()
        let error = #expect(throws: StorageError.self) { _ = try DataDirectory(path: path).lock() }
        #expect(error?.description.contains("in use by another caravan agent") == true)
        #expect(first != nil)
        first = nil
        _ = try DataDirectory(path: path).lock()
    }
}
