import CaravanModel
public import CaravanState

/// The events of one applied log entry: a pure function of the entry's command, the state before
/// and after it, and what it changed. Every replica, and a replay of the log, derives the same
/// events for the same index, so a stream can start from any index the log holds.
///
/// An entry the state machine refused changed nothing and has no events; namespace writes and
/// no-ops have none either, as in Nomad.
public enum EventDerivation {
    public static func events(of command: Command, at index: UInt64, before: StateVersion, after: StateVersion, changes: ChangeSet)
        -> [Event]
    {
        guard !changes.isEmpty, let type = type(of: command) else { return [] }
        var events: [Event] = []
        for key in changes.keys {
            switch key {
            case .job(let jobKey):
                if let job = after.job(namespace: jobKey.namespace, id: jobKey.id) {
                    events.append(Event(topic: .job, type: type, key: job.id, namespace: job.namespace, index: index, payload: .job(job, deleted: false)))
                } else if let job = before.job(namespace: jobKey.namespace, id: jobKey.id) {
                    events.append(Event(topic: .job, type: type, key: job.id, namespace: job.namespace, index: index, payload: .job(job, deleted: true)))
                }
            case .node(let id):
                guard let node = after.node(id: id) ?? before.node(id: id) else { continue }
                events.append(Event(topic: .node, type: type, key: id, index: index, payload: .node(node)))
            case .plugin(let id):
                guard let plugin = after.plugin(id: id) ?? before.plugin(id: id) else { continue }
                events.append(Event(topic: .csiPlugin, type: type, key: id, filterKeys: [id], index: index, payload: .plugin(plugin)))
            case .volume(let volumeKey):
                let view = after.volumeView(namespace: volumeKey.namespace, id: volumeKey.id)
                    ?? before.volumeView(namespace: volumeKey.namespace, id: volumeKey.id)
                guard let view else { continue }
                let volume = view.volume
                events.append(
                    Event(
                        topic: .csiVolume, type: volumeType(of: command), key: volume.id, namespace: volume.namespace,
                        filterKeys: [volume.id, volume.name, volume.pluginID], index: index, payload: .volume(view)))
            case .table:
                continue
            }
        }
        events += aclEvents(of: command, type: type, at: index, before: before, after: after)
        return events
    }

    /// Nomad's event type for the entry's kind; `nil` for kinds that make no events.
    static func type(of command: Command) -> String? {
        switch command {
        case .jobRegister: "JobRegistered"
        case .jobDeregister: "JobDeregistered"
        case .nodeRegister: "NodeRegistration"
        case .nodeStatusUpdate: "NodeStreamEvent"
        case .nodeDeregister: "NodeDeregistration"
        case .aclBootstrap, .aclTokenUpsert: "ACLTokenUpserted"
        case .aclTokenDelete: "ACLTokenDeleted"
        case .aclPolicyUpsert: "ACLPolicyUpserted"
        case .aclPolicyDelete: "ACLPolicyDeleted"
        case .volumeRegister: "CSIVolumeRegistered"
        case .volumeDeregister: "CSIVolumeDeregistered"
        case .volumeClaim, .volumeDetach: "CSIVolumeClaim"
        case .namespaceUpsert, .namespaceDelete, .noop: nil
        }
    }

    /// A volume changed by a node going down or away had its claims released: a claim event.
    static func volumeType(of command: Command) -> String {
        switch command {
        case .volumeRegister: "CSIVolumeRegistered"
        case .volumeDeregister: "CSIVolumeDeregistered"
        default: "CSIVolumeClaim"
        }
    }

    /// ACL tables have no per-object change keys: their events follow the command.
    static func aclEvents(of command: Command, type: String, at index: UInt64, before: StateVersion, after: StateVersion) -> [Event] {
        func token(_ token: ACLToken) -> Event {
            Event(topic: .aclToken, type: type, key: token.accessorID, index: index, payload: .aclToken(token))
        }
        func policy(_ policy: ACLPolicy) -> Event {
            Event(topic: .aclPolicy, type: type, key: policy.name, index: index, payload: .aclPolicy(policy))
        }
        switch command {
        case .aclBootstrap(let bootstrap):
            return after.aclToken(accessorID: bootstrap.accessorID).map { [token($0)] } ?? []
        case .aclTokenUpsert(let upsert):
            return upsert.tokens.compactMap { after.aclToken(accessorID: $0.accessorID) }.map(token)
        case .aclTokenDelete(let accessorIDs):
            return uniqueSorted(accessorIDs).compactMap { before.aclToken(accessorID: $0) }.map(token)
        case .aclPolicyUpsert(let policies):
            return uniqueSorted(policies.map(\.name)).compactMap { after.aclPolicy(name: $0) }.map(policy)
        case .aclPolicyDelete(let names):
            return uniqueSorted(names).compactMap { before.aclPolicy(name: $0) }.map(policy)
        default:
            return []
        }
    }

    private static func uniqueSorted(_ names: [String]) -> [String] { Set(names).sorted() }
}
