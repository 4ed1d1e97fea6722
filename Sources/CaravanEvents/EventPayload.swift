public import CaravanModel

/// The object an event carries, as Nomad's `Payload`: `{"Job": …}` (with `"Deleted": true` for a
/// purged job), `{"Node": …}`, `{"Volume": …}`, `{"Plugin": …}`, `{"ACLToken": …}` (its secret
/// blanked), `{"ACLPolicy": …}`. Secrets are redacted as in every answer.
public enum EventPayload: Sendable {
    case job(Job, deleted: Bool)
    case node(Node)
    case volume(CSIVolumeView)
    case plugin(CSIPlugin)
    case aclToken(ACLToken)
    case aclPolicy(ACLPolicy)
}

extension EventPayload: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        switch self {
        case .job(let job, let deleted):
            if deleted { json.field("Deleted", true) }
            json.field("Job", job)
        case .node(let node): json.field("Node", node)
        case .volume(let volume): json.field("Volume", volume)
        case .plugin(let plugin): json.field("Plugin", plugin)
        case .aclToken(let token):
            var blanked = token
            blanked.secretID = ""
            json.field("ACLToken", blanked)
        case .aclPolicy(let policy): json.field("ACLPolicy", policy)
        }
        json.endObject()
    }
}
