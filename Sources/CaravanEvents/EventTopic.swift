/// The event stream's topics that Caravan's state produces events on.
public enum EventTopic: String, Sendable, CaseIterable, Hashable {
    case job = "Job"
    case node = "Node"
    case csiVolume = "CSIVolume"
    case csiPlugin = "CSIPlugin"
    case aclToken = "ACLToken"
    case aclPolicy = "ACLPolicy"
}
