import CaravanModel

/// The log entry format: `[format version][command kind][payload]`, the payload in
/// ``BinaryWriter``'s primitives. A reader meets an unknown version or kind as an error.
///
/// Version 2 added the ACL and namespace kinds, and a job registration in a version 2 entry
/// needs its namespace to exist; version 1 entries (kinds 0 to 5) still decode, as they were
/// applied when written. Version 3 added the volume kinds (13 to 16). An entry is written in the
/// lowest version (2 at least) that has its kind, so a command that older builds know is written
/// in bytes they read.
extension Command {
    /// The newest format this build writes and reads.
    public static let formatVersion: UInt8 = 3

    private enum Kind: UInt8 {
        case noop = 0
        case jobRegister = 1
        case jobDeregister = 2
        case nodeRegister = 3
        case nodeStatusUpdate = 4
        case nodeDeregister = 5
        case aclBootstrap = 6
        case aclPolicyUpsert = 7
        case aclPolicyDelete = 8
        case aclTokenUpsert = 9
        case aclTokenDelete = 10
        case namespaceUpsert = 11
        case namespaceDelete = 12
        case volumeRegister = 13
        case volumeDeregister = 14
        case volumeClaim = 15
        case volumeDetach = 16

        /// The first format version that has this kind.
        var since: UInt8 {
            switch rawValue {
            case 0...5: 1
            case 6...12: 2
            default: 3
            }
        }
    }

    private var kind: Kind {
        switch self {
        case .noop: .noop
        case .jobRegister: .jobRegister
        case .jobDeregister: .jobDeregister
        case .nodeRegister: .nodeRegister
        case .nodeStatusUpdate: .nodeStatusUpdate
        case .nodeDeregister: .nodeDeregister
        case .aclBootstrap: .aclBootstrap
        case .aclPolicyUpsert: .aclPolicyUpsert
        case .aclPolicyDelete: .aclPolicyDelete
        case .aclTokenUpsert: .aclTokenUpsert
        case .aclTokenDelete: .aclTokenDelete
        case .namespaceUpsert: .namespaceUpsert
        case .namespaceDelete: .namespaceDelete
        case .volumeRegister: .volumeRegister
        case .volumeDeregister: .volumeDeregister
        case .volumeClaim: .volumeClaim
        case .volumeDetach: .volumeDetach
        }
    }

    /// The command as log entry bytes.
    public func encoded() -> [UInt8] {
        var w = BinaryWriter()
        w.byte(max(2, kind.since))
        switch self {
        case .noop:
            w.byte(Kind.noop.rawValue)
        case .jobRegister(let registration):
            w.byte(Kind.jobRegister.rawValue)
            registration.job.encode(to: &w)
            w.varint(registration.submitTime)
        case .jobDeregister(let deregistration):
            w.byte(Kind.jobDeregister.rawValue)
            w.string(deregistration.namespace)
            w.string(deregistration.jobID)
            w.bool(deregistration.purge)
            w.varint(deregistration.time)
        case .nodeRegister(let registration):
            w.byte(Kind.nodeRegister.rawValue)
            registration.node.encode(to: &w)
            w.varint(registration.time)
        case .nodeStatusUpdate(let update):
            w.byte(Kind.nodeStatusUpdate.rawValue)
            w.string(update.nodeID)
            w.string(update.status)
            w.varint(update.time)
        case .nodeDeregister(let deregistration):
            w.byte(Kind.nodeDeregister.rawValue)
            w.string(deregistration.nodeID)
            w.varint(deregistration.time)
        case .aclBootstrap(let token):
            w.byte(Kind.aclBootstrap.rawValue)
            token.encode(to: &w)
        case .aclPolicyUpsert(let policies):
            w.byte(Kind.aclPolicyUpsert.rawValue)
            w.array(policies) { $1.encode(to: &$0) }
        case .aclPolicyDelete(let names):
            w.byte(Kind.aclPolicyDelete.rawValue)
            w.strings(names)
        case .aclTokenUpsert(let upsert):
            w.byte(Kind.aclTokenUpsert.rawValue)
            w.array(upsert.tokens) { $1.encode(to: &$0) }
            w.bool(upsert.isUpdate)
        case .aclTokenDelete(let accessors):
            w.byte(Kind.aclTokenDelete.rawValue)
            w.strings(accessors)
        case .namespaceUpsert(let namespaces):
            w.byte(Kind.namespaceUpsert.rawValue)
            w.array(namespaces) { $1.encode(to: &$0) }
        case .namespaceDelete(let names):
            w.byte(Kind.namespaceDelete.rawValue)
            w.strings(names)
        case .volumeRegister(let registration):
            w.byte(Kind.volumeRegister.rawValue)
            w.array(registration.volumes) { $1.encode(to: &$0) }
            w.varint(registration.time)
        case .volumeDeregister(let deregistration):
            w.byte(Kind.volumeDeregister.rawValue)
            w.string(deregistration.namespace)
            w.strings(deregistration.volumeIDs)
            w.bool(deregistration.force)
            w.varint(deregistration.time)
        case .volumeClaim(let update):
            w.byte(Kind.volumeClaim.rawValue)
            w.string(update.namespace)
            w.string(update.volumeID)
            update.claim.encode(to: &w)
            w.varint(update.time)
        case .volumeDetach(let detach):
            w.byte(Kind.volumeDetach.rawValue)
            w.string(detach.namespace)
            w.string(detach.volumeID)
            w.string(detach.nodeID)
            w.varint(detach.time)
        }
        return w.bytes
    }

    /// Reads a command from log entry bytes.
    public init(decoding bytes: [UInt8]) throws(BinaryDecodingError) {
        var r = BinaryReader(bytes)
        let version = try r.byte()
        guard (1...Self.formatVersion).contains(version) else { throw .unsupportedVersion(version, supported: Self.formatVersion) }
        let kindOffset = r.offset
        let tag = try r.byte()
        guard let kind = Kind(rawValue: tag), version >= kind.since else {
            throw .invalidTag(tag, offset: kindOffset, context: "command kind")
        }
        switch kind {
        case .noop:
            self = .noop
        case .jobRegister:
            self = .jobRegister(JobRegistration(job: try Job.decode(from: &r), submitTime: try r.varint(), requiresNamespace: version >= 2))
        case .jobDeregister:
            self = .jobDeregister(
                JobDeregistration(namespace: try r.string(), jobID: try r.string(), purge: try r.bool(), time: try r.varint())
            )
        case .nodeRegister:
            self = .nodeRegister(NodeRegistration(node: try Node.decode(from: &r), time: try r.varint()))
        case .nodeStatusUpdate:
            self = .nodeStatusUpdate(NodeStatusUpdate(nodeID: try r.string(), status: try r.string(), time: try r.varint()))
        case .nodeDeregister:
            self = .nodeDeregister(NodeDeregistration(nodeID: try r.string(), time: try r.varint()))
        case .aclBootstrap:
            self = .aclBootstrap(try ACLToken.decode(from: &r))
        case .aclPolicyUpsert:
            self = .aclPolicyUpsert(try r.array { (r: inout BinaryReader) throws(BinaryDecodingError) in try ACLPolicy.decode(from: &r) })
        case .aclPolicyDelete:
            self = .aclPolicyDelete(try r.strings())
        case .aclTokenUpsert:
            let tokens = try r.array { (r: inout BinaryReader) throws(BinaryDecodingError) in try ACLToken.decode(from: &r) }
            self = .aclTokenUpsert(ACLTokenUpsert(tokens: tokens, isUpdate: try r.bool()))
        case .aclTokenDelete:
            self = .aclTokenDelete(try r.strings())
        case .namespaceUpsert:
            self = .namespaceUpsert(try r.array { (r: inout BinaryReader) throws(BinaryDecodingError) in try Namespace.decode(from: &r) })
        case .namespaceDelete:
            self = .namespaceDelete(try r.strings())
        case .volumeRegister:
            let volumes = try r.array { (r: inout BinaryReader) throws(BinaryDecodingError) in try CSIVolume.decode(from: &r) }
            self = .volumeRegister(VolumeRegistration(volumes: volumes, time: try r.varint()))
        case .volumeDeregister:
            self = .volumeDeregister(
                VolumeDeregistration(namespace: try r.string(), volumeIDs: try r.strings(), force: try r.bool(), time: try r.varint())
            )
        case .volumeClaim:
            self = .volumeClaim(
                VolumeClaimUpdate(namespace: try r.string(), volumeID: try r.string(), claim: try CSIVolumeClaim.decode(from: &r), time: try r.varint())
            )
        case .volumeDetach:
            self = .volumeDetach(VolumeDetach(namespace: try r.string(), volumeID: try r.string(), nodeID: try r.string(), time: try r.varint()))
        }
        try r.expectEnd()
    }
}
