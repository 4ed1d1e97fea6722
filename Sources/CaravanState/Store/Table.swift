/// The state's tables. Each has an index: the raft index of the last entry that changed it.
public enum Table: Int, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case jobs
    case jobSummaries
    case nodes
    case plugins
    case aclPolicies
    case aclTokens
    case namespaces
    case volumes

    public var description: String {
        switch self {
        case .jobs: "jobs"
        case .jobSummaries: "job_summary"
        case .nodes: "nodes"
        case .plugins: "csi_plugins"
        case .aclPolicies: "acl_policy"
        case .aclTokens: "acl_token"
        case .namespaces: "namespaces"
        case .volumes: "csi_volumes"
        }
    }
}
