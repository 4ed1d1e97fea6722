import CaravanModel
public import CaravanState

/// Commands of every kind with whatever values a proposer could put in them, not only what the
/// API lets through: counts of `Int.max`, `Int.min` and everything between, empty, huge and
/// non-ASCII strings, times at both ends of `Int64`, IDs drawn from small pools so that commands
/// name the same objects again (and twice in one command), tokens that share secrets.
///
/// The choices come from any `RandomNumberGenerator`: a seeded ``SplitMix64`` in the property
/// tests, a fuzzer's input bytes in the fuzz target. The same choices give the same commands.
public struct ArbitraryCommands<Source: RandomNumberGenerator> {
    public var source: Source

    public init(source: Source) {
        self.source = source
    }

    /// One command of a kind chosen among all of them.
    public mutating func next() -> Command {
        switch below(17) {
        case 0: return .noop
        case 1: return .jobRegister(JobRegistration(job: job(), submitTime: time(), requiresNamespace: below(4) != 0))
        case 2: return .jobDeregister(JobDeregistration(namespace: namespaceName(), jobID: jobID(), purge: bool(), time: time()))
        case 3: return .nodeRegister(NodeRegistration(node: node(), time: time()))
        case 4: return .nodeStatusUpdate(NodeStatusUpdate(nodeID: nodeID(), status: pick(Self.statuses), time: time()))
        case 5: return .nodeDeregister(NodeDeregistration(nodeID: nodeID(), time: time()))
        case 6: return .aclBootstrap(token())
        case 7: return .aclPolicyUpsert(list(upTo: 3) { $0.policy() })
        case 8: return .aclPolicyDelete(list(upTo: 3) { $0.pick(Self.policyNames) })
        case 9: return .aclTokenUpsert(ACLTokenUpsert(tokens: list(upTo: 3) { $0.token() }, isUpdate: bool()))
        case 10: return .aclTokenDelete(list(upTo: 3) { $0.pick(Self.accessors) })
        case 11: return .namespaceUpsert(list(upTo: 3) { $0.namespace() })
        case 12: return .namespaceDelete(list(upTo: 3) { $0.namespaceName() })
        case 13: return .volumeRegister(VolumeRegistration(volumes: list(upTo: 3) { $0.volume() }, time: time()))
        case 14:
            return .volumeDeregister(
                VolumeDeregistration(namespace: namespaceName(), volumeIDs: list(upTo: 3) { $0.volumeID() }, force: bool(), time: time()))
        case 15: return .volumeClaim(VolumeClaimUpdate(namespace: namespaceName(), volumeID: volumeID(), claim: claim(), time: time()))
        default: return .volumeDetach(VolumeDetach(namespace: namespaceName(), volumeID: volumeID(), nodeID: nodeID(), time: time()))
        }
    }

    mutating func volumeID() -> String { pick(["v1", "v2", "v3", "", "v\u{0}"], rarely: Self.huge) }

    static var accessModes: [String] { ["single-node-reader-only", "single-node-writer", "multi-node-reader-only", "multi-node-single-writer", "multi-node-multi-writer", "", "bogus"] }
    static var attachmentModes: [String] { ["file-system", "block-device", "", "bogus"] }

    mutating func volume() -> CSIVolume {
        CSIVolume(
            id: volumeID(), namespace: namespaceName(), name: text(), externalID: pick(["", "ext"]), pluginID: pluginID(),
            requestedCapabilities: list(upTo: 3) { CSIVolumeCapability(accessMode: $0.pick(Self.accessModes), attachmentMode: $0.pick(Self.attachmentModes)) },
            requestedTopologies: bool() ? nil : CSITopologyRequest(required: list(upTo: 2) { CSITopology(segments: $0.bool() ? [:] : ["zone": $0.text()]) }),
            mountOptions: bool() ? nil : CSIMountOptions(fsType: text(), mountFlags: list(upTo: 2) { $0.text() }),
            secrets: bool() ? [:] : ["k": text()], parameters: bool() ? [:] : ["p": text()], capacity: time(),
            requestedCapacityMin: time(), requestedCapacityMax: time(), cloneID: pick(["", "c"]), snapshotID: pick(["", "s"]),
            readClaims: bool() ? [:] : ["a1": claim()], createIndex: index(), modifyIndex: index(), createTime: time(), modifyTime: time()
        )
    }

    mutating func claim() -> CSIVolumeClaim {
        CSIVolumeClaim(
            allocationID: pick(["a1", "a2", "a3", ""]), nodeID: nodeID(), externalNodeID: text(), mode: pick(CSIVolumeClaimMode.allCases),
            accessMode: pick(Self.accessModes), attachmentMode: pick(Self.attachmentModes), state: pick(CSIVolumeClaimState.allCases))
    }

    // MARK: Pools

    /// A string far longer than any the API would accept in an ID.
    static var huge: String { String(repeating: "x", count: 70_000) }
    static var statuses: [String] { ["ready", "down", "initializing", "disconnected", "", "???"] }
    static var jobTypes: [String] { ["service", "system", "batch", "sysbatch", "", "nonsense"] }
    static var roles: [String] { ["node", "controller", "monolith", "", "other"] }
    static var policyNames: [String] { ["", "ops", "readers", "anonymous", "p-\u{1F600}"] }
    static var accessors: [String] { ["", "a1", "a2", "a3", "anonymous"] }
    static var secrets: [String] { ["", "s1", "s2", "s3", "anonymous"] }
    static var datacenters: [String] { ["dc1", "dc2", "*", "d*", "", "**", "dc1*"] }

    mutating func jobID() -> String { pick(["j1", "j2", "j3", "", " ", "j\u{0}", "ジョブ"], rarely: Self.huge) }
    mutating func nodeID() -> String { pick(["n1", "n2", "n3", "", "n\u{0}"], rarely: Self.huge) }
    mutating func pluginID() -> String { pick(["p1", "p2", "p3", ""], rarely: Self.huge) }
    mutating func namespaceName() -> String { pick(["default", "team-a", "team-b", "", "*"], rarely: Self.huge) }

    // MARK: Values

    public mutating func below(_ bound: Int) -> Int { Int(source.next() % UInt64(bound)) }
    mutating func bool() -> Bool { below(2) == 0 }

    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

    /// One of `values`, or one time in 64 the rare one.
    mutating func pick<T>(_ values: [T], rarely rare: @autoclosure () -> T) -> T {
        below(64) == 0 ? rare() : pick(values)
    }

    mutating func list<T>(upTo maximum: Int, _ element: (inout Self) -> T) -> [T] {
        (0..<below(maximum + 1)).map { _ in element(&self) }
    }

    mutating func int() -> Int {
        switch below(8) {
        case 0: return .max
        case 1: return .min
        case 2: return Int(Int32.max)
        case 3: return -1
        case 4: return 0
        default: return Int(truncatingIfNeeded: source.next() % 5)
        }
    }

    mutating func time() -> Int64 {
        switch below(6) {
        case 0: return .max
        case 1: return .min
        case 2: return 0
        default: return Int64(truncatingIfNeeded: source.next())
        }
    }

    mutating func index() -> UInt64 { pick([0, 1, .max, source.next()]) }

    mutating func text() -> String { pick(["", "a", "ünïcödé", "\u{0}\u{1F}", "\"quoted\"\\"], rarely: Self.huge) }

    mutating func json(depth: Int = 0) -> JSONValue {
        switch depth > 2 ? below(5) : below(7) {
        case 0: return .null
        case 1: return .bool(bool())
        case 2: return .int(time())
        case 3: return .double(pick([0, -0.0, 1e300, .infinity, -.infinity, .nan, .leastNonzeroMagnitude]))
        case 4: return .string(text())
        case 5: return .array(list(upTo: 3) { $0.json(depth: depth + 1) })
        default: return .object(map(upTo: 3, key: { $0.text() }) { $0.json(depth: depth + 1) })
        }
    }

    mutating func map<V>(upTo maximum: Int, key: (inout Self) -> String, _ value: (inout Self) -> V) -> [String: V] {
        var result: [String: V] = [:]
        for _ in 0..<below(maximum + 1) { result[key(&self)] = value(&self) }
        return result
    }

    // MARK: Objects

    mutating func job() -> Job {
        Job(
            id: jobID(), parentID: text(), name: text(), namespace: namespaceName(), type: pick(Self.jobTypes),
            priority: int(), datacenters: list(upTo: 3) { $0.pick(Self.datacenters) }, nodePool: text(), region: text(),
            stop: below(4) == 0, status: text(), statusDescription: text(), stable: bool(), version: index(),
            submitTime: time(), taskGroups: list(upTo: 3) { $0.taskGroup() }, createIndex: index(), modifyIndex: index(),
            jobModifyIndex: index(), extra: map(upTo: 2, key: { $0.text() }) { $0.json() }
        )
    }

    mutating func taskGroup() -> TaskGroup {
        TaskGroup(
            name: pick(["g1", "g2", ""]), count: int(), tasks: list(upTo: 3) { $0.task() },
            volumes: bool() ? nil : map(upTo: 2, key: { $0.text() }) { $0.volume() },
            extra: map(upTo: 1, key: { $0.text() }) { $0.json() })
    }

    mutating func task() -> JobTask {
        JobTask(
            name: pick(["t1", "t2", ""]), driver: text(), config: bool() ? nil : map(upTo: 2, key: { $0.text() }) { $0.json() },
            csiPluginConfig: below(3) == 0
                ? nil
                : TaskCSIPluginConfig(id: pluginID(), type: pick(Self.roles), mountDir: text(), stagePublishBaseDir: text(), healthTimeout: time()),
            extra: [:])
    }

    mutating func volume() -> VolumeRequest {
        VolumeRequest(
            name: text(), type: pick(["csi", "host", ""]), source: text(), readOnly: bool(), accessMode: text(),
            attachmentMode: text(), perAlloc: bool())
    }

    mutating func node() -> Node {
        Node(
            id: nodeID(), secretID: pick(["", "s1", "s2"]), name: text(), datacenter: pick(Self.datacenters), nodePool: text(),
            nodeClass: text(), httpAddr: text(), status: pick(Self.statuses), statusDescription: text(), statusUpdatedAt: time(),
            schedulingEligibility: pick(["eligible", "ineligible", ""]), attributes: map(upTo: 2, key: { $0.text() }) { $0.text() },
            meta: map(upTo: 1, key: { $0.text() }) { $0.text() },
            drivers: map(upTo: 1, key: { $0.text() }) { DriverInfo(detected: $0.bool(), healthy: $0.bool(), healthDescription: $0.text()) },
            csiControllerPlugins: fingerprints(), csiNodePlugins: fingerprints(), createIndex: index(), modifyIndex: index(),
            extra: map(upTo: 1, key: { $0.text() }) { $0.json() })
    }

    /// Fingerprints keyed by plugin ID; the info sometimes names another plugin than its key.
    mutating func fingerprints() -> [String: CSIInfo] {
        map(upTo: 3, key: { $0.pluginID() }) { generator in
            CSIInfo(
                pluginID: generator.pluginID(), allocID: generator.text(), healthy: generator.bool(),
                healthDescription: generator.text(), provider: generator.pick(["a", "b", ""]),
                providerVersion: generator.pick(["1", "2"]), requiresControllerPlugin: generator.bool(),
                requiresTopologies: generator.bool(),
                controllerInfo: generator.bool() ? nil : CSIControllerInfo(flags: (0..<12).map { _ in generator.bool() }),
                nodeInfo: generator.bool()
                    ? nil
                    : CSINodeInfo(
                        id: generator.text(), maxVolumes: generator.time(),
                        accessibleTopology: generator.bool() ? nil : CSITopology(segments: generator.map(upTo: 2, key: { $0.text() }) { $0.text() }),
                        requiresNodeStageVolume: generator.bool()))
        }
    }

    mutating func token() -> ACLToken {
        ACLToken(
            accessorID: pick(Self.accessors), secretID: pick(Self.secrets), name: text(),
            type: pick([ACLToken.management, ACLToken.client, ""]), policies: list(upTo: 3) { $0.pick(Self.policyNames) },
            global: bool(), createTime: time(), expirationTime: bool() ? nil : time(), createIndex: index(), modifyIndex: index())
    }

    mutating func policy() -> ACLPolicy {
        ACLPolicy(
            name: pick(Self.policyNames), description: text(),
            rules: pick(["", "namespace \"*\" { policy = \"write\" }", "{{{", "operator { policy = \"write\" }"], rarely: Self.huge),
            createIndex: index(), modifyIndex: index())
    }

    mutating func namespace() -> Namespace {
        Namespace(
            name: namespaceName(), description: text(), quota: text(), meta: map(upTo: 2, key: { $0.text() }) { $0.text() },
            createIndex: index(), modifyIndex: index())
    }
}

/// A fuzzer's input read as a stream of random choices: eight bytes per draw, zeros once the
/// input runs out (so every input, however short, gives a finite, reproducible command script).
public struct InputBytes: RandomNumberGenerator {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isExhausted: Bool { position >= bytes.count }

    public mutating func next() -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) where position < bytes.count {
            value |= UInt64(bytes[position]) << UInt64(shift)
            position += 1
        }
        return value
    }
}
