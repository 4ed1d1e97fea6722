import CaravanModel
import CaravanTestSupport
import HashTreeCollections
import Testing

@testable import CaravanState

/// The state snapshot encoding: a restored state is the state that was encoded (it re-encodes to
/// the same bytes, answers every read the same and applies later entries the same), equal states
/// give equal bytes, the format is pinned, and bad bytes are clear errors, never crashes.
@Suite(.ownThread)
struct StateVersionCodecTests {
    /// A small state with every kind of record: two nodes (one ready), controller and node
    /// fingerprints (one unhealthy), a system job and a service job in another namespace, and
    /// the two plugins they make.
    static let smallState: StateVersion = {
        var script = Script()
        script.register(
            Fixture.node("node-1", controllers: [Fixture.controller("ebs")], nodes: [Fixture.nodePlugin("ebs", zone: "us-east-1a")])
        )
        script.setStatus("node-1", "ready")
        script.createNamespaces("prod")
        script.register(Fixture.pluginJob("ebs-nodes", plugin: "ebs", role: "node", type: "system"))
        script.register(Fixture.pluginJob("ebs-controller", plugin: "ebs", role: "controller", count: 2, namespace: "prod"))
        script.register(
            Fixture.node("node-2", status: "initializing", nodes: [Fixture.nodePlugin("ebs", healthy: false), Fixture.nodePlugin("efs")])
        )
        script.apply(.aclBootstrap(ACLToken(accessorID: "a-1", secretID: "s-1", type: "management", global: true, createTime: 5)))
        script.apply(.aclPolicyUpsert([ACLPolicy(name: "readers", description: "read all", rules: #"namespace "*" { policy = "read" }"#)]))
        script.apply(
            .aclTokenUpsert(
                ACLTokenUpsert(
                    tokens: [
                        ACLToken(
                            accessorID: "a-2", secretID: "s-2", name: "ci", type: "client", policies: ["readers"], createTime: 6, expirationTime: 9)
                    ],
                    isUpdate: false)))
        return script.state
    }()

    /// The state after the first `count` commands of the shared random script with `seed`.
    static func randomState(seed: UInt64, count: Int = 300) -> StateVersion {
        var script = Script()
        for command in Fixture.randomCommands(count: count, seed: seed) { script.apply(command) }
        return script.state
    }

    /// The error decoding `bytes` throws, or `nil` if they decode.
    static func decodingError(_ bytes: [UInt8]) -> StateVersionDecodingError? {
        do {
            _ = try StateVersion(decoding: bytes)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Round trips

    @Test(
        "a state built by a random script decodes to one that re-encodes to the same bytes and answers every read the same",
        arguments: [7, 11, 23] as [UInt64])
    func roundTrip(seed: UInt64) throws {
        let state = Self.randomState(seed: seed)
        #expect(state.nodeCount > 0 && state.pluginCount > 1 && !state.jobs(namespace: nil).isEmpty, "the script built a varied state")
        let bytes = state.encoded()
        let restored = try StateVersion(decoding: bytes)
        #expect(restored.encoded() == bytes)
        Self.expectSameAnswers(state, restored)
    }

    @Test("the small state round-trips, and its restored derived fields equal the ones the state machine kept")
    func smallRoundTrip() throws {
        let bytes = Self.smallState.encoded()
        let restored = try StateVersion(decoding: bytes)
        #expect(restored.encoded() == bytes)
        Self.expectSameAnswers(Self.smallState, restored)
        #expect(restored.schedulableNodes == ["dc1": 1])
        #expect(restored.systemPluginJobs == [JobKey(namespace: "default", id: "ebs-nodes")])
        #expect(restored.pluginSummary(id: "ebs")?.nodesExpected == 1, "the system job expects one instance per ready node")
    }

    @Test(
        "a restored state applying the entries that follow answers and ends exactly as the original does",
        arguments: [50, 150, 250])
    func restoredStateContinues(split: Int) throws {
        let commands = Fixture.randomCommands(count: 400, seed: 99)
        var original = StateMachine()
        for (offset, command) in commands[..<split].enumerated() { _ = original.apply(index: UInt64(offset + 1), command: command) }
        var restored = StateMachine(state: try StateVersion(decoding: original.state.encoded()))
        for (offset, command) in commands[split...].enumerated() {
            let index = UInt64(split + offset + 1)
            let expected = original.apply(index: index, command: command)
            let actual = restored.apply(index: index, command: command)
            #expect(actual.result == expected.result, "entry \(index)")
            #expect(actual.changes == expected.changes, "entry \(index)")
            // Every step, not only the last: a wrong derived field can skew a few entries' effects
            // and be overwritten by later ones.
            #expect(restored.state.encoded() == original.state.encoded(), "entry \(index)")
            let ids = original.state.pluginIDs()
            #expect(ids.map(restored.state.pluginModifyIndex) == ids.map(original.state.pluginModifyIndex), "entry \(index)")
        }
        #expect(restored.state.stateHash == original.state.stateHash)
        Self.expectSameAnswers(original.state, restored.state)
    }

    // MARK: Canonical bytes

    @Test("equal states encode to equal bytes, whatever order their tables and maps were built in")
    func insertionOrderDoesNotMatter() throws {
        let state = Self.sixtyFourNodesAndJobs()
        let rebuilt = Self.rebuiltInReverse(state)
        let plugin = try #require(state.plugins["p"])
        let rebuiltPlugin = try #require(rebuilt.plugins["p"])
        #expect(plugin.controllerJobs == rebuiltPlugin.controllerJobs && plugin.nodeJobs == rebuiltPlugin.nodeJobs)
        #expect(
            Array(plugin.controllerJobs.keys) != Array(rebuiltPlugin.controllerJobs.keys)
                && Array(plugin.nodeJobs.keys) != Array(rebuiltPlugin.nodeJobs.keys),
            "the equal maps iterate in different orders"
        )
        #expect(rebuilt.encoded() == state.encoded(), "the encoding followed a map's iteration order")
        #expect(rebuilt.stateHash == state.stateHash)
    }

    @Test("tables and the plugins' maps are written in ascending key order, not hash order")
    func ascendingKeyOrder() {
        // Within one process, equal hash trees iterate alike, so equal bytes from two trees
        // cannot show that the encoder sorted them: find where each key lands instead.
        let state = Self.sixtyFourNodesAndJobs()
        let bytes = state.encoded()
        let nodeIDs = (0..<64).map { Self.paddedID("node", $0) }
        // Node IDs: the node's ID and name, then its controller and node instances of plugin p.
        Self.expectAscending(nodeIDs, occurrences: 4, in: bytes)
        // Job IDs: the job's ID and name, its summary, then its controller and node expectations.
        Self.expectAscending((0..<64).map { Self.paddedID("job", $0) }, occurrences: 5, in: bytes)

        var script = Script()
        script.register(Fixture.node("host", nodes: (0..<64).map { Self.nodePluginWithoutProvider(Self.paddedID("plugin", $0)) }))
        // Plugin IDs: the node's fingerprint key and its PluginID, then the plugin's record: its ID
        // and its node instance's PluginID.
        Self.expectAscending((0..<64).map { Self.paddedID("plugin", $0) }, occurrences: 4, in: script.state.encoded())
    }

    @Test("the empty state's encoding and hash are pinned (a format change must change them deliberately)")
    func emptyStateGolden() {
        let empty = StateVersion()
        #expect(empty.encoded() == Array("CRVNSTAT".utf8) + [2] + Array(repeating: 0, count: 17))
        #expect(empty.stateHash == "274bae9938c726a41fc5b80e39a3e781561350dc38879b92c34f0fabad82486c")
        #expect(StateVersion.stateHash(of: empty.encoded()) == empty.stateHash)
    }

    @Test("the small state's hash is pinned (every record's layout is part of the format)")
    func smallStateGolden() {
        #expect(Self.smallState.stateHash == "d60d9ff5d0297cdad29f1a4999cc37302e813ca375df7931ca7f84d7754d0dd6")
    }

    @Test("a version 1 snapshot, written before ACLs and namespaces, restores with none of them")
    func versionOne() throws {
        var w = BinaryWriter()
        for byte in StateVersion.encodingMagic { w.byte(byte) }
        w.uvarint(1)
        for value: UInt64 in [7, 0, 0, 7, 0, 0, 0, 0, 1] { w.uvarint(value) }  // index, table indexes, plugin set index, jobs, summaries, one node
        Fixture.node("a").encode(to: &w)
        w.uvarint(0)  // plugins
        let state = try StateVersion(decoding: w.bytes)
        #expect(state.index == 7)
        #expect(state.node(id: "a") != nil)
        #expect(state.aclTokens().isEmpty && state.aclPolicies().isEmpty && state.aclBootstrapIndex == 0)
        #expect(state.namespaces().map(\.name) == ["default"])
        #expect(try StateVersion(decoding: state.encoded()).stateHash == state.stateHash)
    }

    // MARK: Bad bytes

    @Test("every truncation of an encoding is an error")
    func truncations() {
        let small = Self.smallState.encoded()
        for length in 0..<small.count {
            guard case .malformed? = Self.decodingError(Array(small[..<length])) else {
                Issue.record("the first \(length) of \(small.count) bytes decoded, or were not called malformed")
                continue
            }
        }
        let large = Self.randomState(seed: 7).encoded()
        var generator = SplitMix64(seed: 5)
        for _ in 0..<200 {
            let length = Int(generator.next() % UInt64(large.count))
            #expect(Self.decodingError(Array(large[..<length])) != nil, "the first \(length) of \(large.count) bytes decoded")
        }
    }

    @Test("bytes that do not start with the magic are not a state snapshot")
    func wrongMagic() {
        var bytes = Self.smallState.encoded()
        bytes[0] = UInt8(ascii: "X")
        #expect(Self.decodingError(bytes) == .notAnEncodedState)
        #expect(Self.decodingError(Command.noop.encoded()) == .notAnEncodedState)
        #expect(String(describing: StateVersionDecodingError.notAnEncodedState).contains("not a Caravan state snapshot"))
    }

    @Test("an unknown format version is a clear error naming the version")
    func unknownVersion() {
        let bytes = Self.smallState.encoded()
        let magic = StateVersion.encodingMagic.count
        #expect(bytes[magic] == 2)
        var version4 = bytes
        version4[magic] = 4
        #expect(Self.decodingError(version4) == .unsupportedFormatVersion(4, supported: 3))
        var writer = BinaryWriter()
        writer.uvarint(300)
        let version300 = Array(bytes[..<magic]) + writer.bytes + Array(bytes[(magic + 1)...])
        #expect(Self.decodingError(version300) == .unsupportedFormatVersion(300, supported: 3))
        #expect(
            String(describing: StateVersionDecodingError.unsupportedFormatVersion(300, supported: 3))
                == "unsupported state snapshot format version 300 (this build reads version 3)"
        )
    }

    @Test("trailing bytes are an error")
    func trailingBytes() {
        #expect(Self.decodingError(Self.smallState.encoded() + [0]) == .malformed(.trailingBytes(count: 1)))
    }

    @Test("records out of key order, or repeated, are an error: an encoding has one canonical order")
    func outOfOrderRecords() {
        func encoding(nodes: [Node]) -> [UInt8] {
            var w = BinaryWriter()
            for byte in StateVersion.encodingMagic { w.byte(byte) }
            w.uvarint(2)
            for _ in 0..<6 { w.uvarint(1) }  // the index, four table indexes, the plugin set index
            w.uvarint(0)  // jobs
            w.uvarint(0)  // job summaries
            w.uvarint(UInt64(nodes.count))
            for node in nodes { node.encode(to: &w) }
            w.uvarint(0)  // plugins
            for _ in 0..<7 { w.uvarint(0) }  // the ACL bootstrap index, three table indexes, policies, tokens, namespaces
            return w.bytes
        }
        let a = Fixture.node("a")
        let b = Fixture.node("b")
        #expect(Self.decodingError(encoding(nodes: [a, b])) == nil)
        for nodes in [[b, a], [a, a]] {
            guard case .malformed(.malformed(_, let context))? = Self.decodingError(encoding(nodes: nodes)) else {
                Issue.record("nodes \(nodes.map(\.id)) decoded, or failed for another reason")
                continue
            }
            #expect(context == "nodes table key order")
        }
    }

    @Test("random byte flips never crash the decoder, and whatever decodes re-encodes stably")
    func corruption() throws {
        var generator = SplitMix64(seed: 42)
        let bytes = Self.smallState.encoded()
        var decoded = 0
        for _ in 0..<2000 {
            var corrupted = bytes
            for _ in 0...(generator.next() % 3) {
                corrupted[Int(generator.next() % UInt64(bytes.count))] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
            }
            guard let state = try? StateVersion(decoding: corrupted) else { continue }
            decoded += 1
            let reencoded = state.encoded()
            #expect(try StateVersion(decoding: reencoded).encoded() == reencoded)
        }
        #expect(decoded > 0, "some flips (in strings and counters) still decode")
        let header = Array(bytes[..<(StateVersion.encodingMagic.count + 1)])
        for _ in 0..<1000 {
            let garbage = (0..<(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = try? StateVersion(decoding: header + garbage)
        }
    }

    // MARK: Helpers

    /// Every public read of `a` and `b` answers the same, and their derived fields are equal.
    static func expectSameAnswers(_ a: StateVersion, _ b: StateVersion, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.index == b.index, sourceLocation: sourceLocation)
        #expect(Table.allCases.map(a.tableIndex) == Table.allCases.map(b.tableIndex), sourceLocation: sourceLocation)
        #expect(a.pluginSetIndex == b.pluginSetIndex, sourceLocation: sourceLocation)

        let jobs = a.jobs(namespace: nil)
        #expect(jobs == b.jobs(namespace: nil), sourceLocation: sourceLocation)
        let namespaces = Set(jobs.map(\.namespace)).union(["default", "absent"])
        for namespace in namespaces {
            #expect(a.jobs(namespace: namespace) == b.jobs(namespace: namespace), sourceLocation: sourceLocation)
            #expect(a.jobs(namespace: namespace, prefix: "j1") == b.jobs(namespace: namespace, prefix: "j1"), sourceLocation: sourceLocation)
        }
        for job in jobs + [Job(id: "absent")] {
            #expect(a.job(namespace: job.namespace, id: job.id) == b.job(namespace: job.namespace, id: job.id), sourceLocation: sourceLocation)
            #expect(
                a.jobSummary(namespace: job.namespace, id: job.id) == b.jobSummary(namespace: job.namespace, id: job.id),
                sourceLocation: sourceLocation
            )
        }

        #expect(a.nodeCount == b.nodeCount, sourceLocation: sourceLocation)
        #expect(a.nodes() == b.nodes(), sourceLocation: sourceLocation)
        #expect(a.nodes(prefix: "n1") == b.nodes(prefix: "n1"), sourceLocation: sourceLocation)
        for id in a.nodes().map(\.id) + ["absent"] { #expect(a.node(id: id) == b.node(id: id), sourceLocation: sourceLocation) }

        #expect(a.pluginCount == b.pluginCount, sourceLocation: sourceLocation)
        #expect(a.pluginIDs() == b.pluginIDs(), sourceLocation: sourceLocation)
        #expect(a.pluginIDs(prefix: "p1") == b.pluginIDs(prefix: "p1"), sourceLocation: sourceLocation)
        for id in a.pluginIDs() + ["absent"] {
            #expect(a.plugin(id: id) == b.plugin(id: id), sourceLocation: sourceLocation)
            #expect(a.pluginSummary(id: id) == b.pluginSummary(id: id), sourceLocation: sourceLocation)
            #expect(a.pluginModifyIndex(id: id) == b.pluginModifyIndex(id: id), sourceLocation: sourceLocation)
            #expect(a.pluginHasJobs(id: id) == b.pluginHasJobs(id: id), sourceLocation: sourceLocation)
            for namespace in namespaces {
                let running = a.jobsRunningPlugin(id: id, namespace: namespace)
                let restored = b.jobsRunningPlugin(id: id, namespace: namespace)
                #expect(running.map(\.job) == restored.map(\.job), sourceLocation: sourceLocation)
                #expect(running.map(\.summary) == restored.map(\.summary), sourceLocation: sourceLocation)
            }
        }

        #expect(a.pluginVersions == b.pluginVersions, sourceLocation: sourceLocation)
        #expect(a.schedulableNodes == b.schedulableNodes, sourceLocation: sourceLocation)
        #expect(a.systemPluginJobs == b.systemPluginJobs, sourceLocation: sourceLocation)
    }

    /// `prefix-07`: IDs of one length, so that none is a prefix of another.
    static func paddedID(_ prefix: String, _ number: Int) -> String {
        number < 10 ? "\(prefix)-0\(number)" : "\(prefix)-\(number)"
    }

    /// 64 ready nodes, each with a controller and a node instance of plugin `p`, and 64 jobs in
    /// two namespaces (IDs ascending across them) that each run `p` in both roles; nodes and jobs
    /// registered in a shuffled order.
    static func sixtyFourNodesAndJobs() -> StateVersion {
        var generator = SplitMix64(seed: 3)
        var script = Script()
        for number in (0..<64).shuffled(using: &generator) {
            script.register(Fixture.node(paddedID("node", number), controllers: [Fixture.controller("p")], nodes: [Fixture.nodePlugin("p")]))
        }
        script.createNamespaces("alpha", "beta")
        for number in (0..<64).shuffled(using: &generator) {
            let namespace = number < 32 ? "alpha" : "beta"
            script.register(Fixture.pluginJob(paddedID("job", number), plugin: "p", role: "monolith", namespace: namespace))
        }
        return script.state
    }

    /// A node fingerprint whose plugin ID appears in it once: no provider named after it.
    static func nodePluginWithoutProvider(_ plugin: String) -> CSIInfo {
        CSIInfo(pluginID: plugin, healthy: true, nodeInfo: CSINodeInfo(id: "host"))
    }

    /// `state` with every table and every plugin map rebuilt from empty in descending key order,
    /// the plugins' job maps with a far larger capacity, so that equal maps iterate differently.
    static func rebuiltInReverse(_ state: StateVersion) -> StateVersion {
        func reversedTree<Key: Comparable, Value>(_ map: TreeDictionary<Key, Value>) -> TreeDictionary<Key, Value> {
            var rebuilt: TreeDictionary<Key, Value> = [:]
            for (key, value) in map.sorted(by: { $0.key > $1.key }) { rebuilt[key] = value }
            return rebuilt
        }
        func reversedJobs(_ map: [JobKey: Int]) -> [JobKey: Int] {
            var rebuilt: [JobKey: Int] = [:]
            rebuilt.reserveCapacity(4096)
            for (key, value) in map.sorted(by: { $0.key > $1.key }) { rebuilt[key] = value }
            return rebuilt
        }
        var rebuilt = state
        rebuilt.jobs = reversedTree(state.jobs)
        rebuilt.jobSummaries = reversedTree(state.jobSummaries)
        rebuilt.nodes = reversedTree(state.nodes)
        rebuilt.plugins = reversedTree(
            state.plugins.mapValues { record in
                var record = record
                record.controllers = reversedTree(record.controllers)
                record.nodes = reversedTree(record.nodes)
                record.controllerJobs = reversedJobs(record.controllerJobs)
                record.nodeJobs = reversedJobs(record.nodeJobs)
                return record
            })
        return rebuilt
    }

    /// Each of `ids` (ascending, all of one length under 128 bytes) occurs `occurrences` times in
    /// `bytes` as a length-prefixed string, and its `k`-th occurrences, for every `k`, come in the
    /// order of `ids`.
    static func expectAscending(_ ids: [String], occurrences: Int, in bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let length = ids[0].utf8.count
        var positions = Dictionary(uniqueKeysWithValues: ids.map { ($0, [Int]()) })
        for start in 0..<(bytes.count - length) where bytes[start] == UInt8(length) {
            let candidate = String(decoding: bytes[(start + 1)...(start + length)], as: UTF8.self)
            positions[candidate]?.append(start)
        }
        for id in ids {
            #expect(positions[id]!.count == occurrences, "\(id) occurs \(positions[id]!.count) times", sourceLocation: sourceLocation)
        }
        guard positions.values.allSatisfy({ $0.count == occurrences }) else { return }
        for k in 0..<occurrences {
            let kthOccurrences = ids.map { positions[$0]![k] }
            #expect(
                kthOccurrences == kthOccurrences.sorted(), "occurrence \(k) of the IDs is not in ascending ID order", sourceLocation: sourceLocation)
        }
    }
}
