/// The index of each table.
struct TableIndexes: Sendable {
    private var jobs: UInt64 = 0
    private var jobSummaries: UInt64 = 0
    private var nodes: UInt64 = 0
    private var plugins: UInt64 = 0
    private var aclPolicies: UInt64 = 0
    private var aclTokens: UInt64 = 0
    private var namespaces: UInt64 = 0
    private var volumes: UInt64 = 0

    subscript(table: Table) -> UInt64 {
        get {
            switch table {
            case .jobs: jobs
            case .jobSummaries: jobSummaries
            case .nodes: nodes
            case .plugins: plugins
            case .aclPolicies: aclPolicies
            case .aclTokens: aclTokens
            case .namespaces: namespaces
            case .volumes: volumes
            }
        }
        set {
            switch table {
            case .jobs: jobs = newValue
            case .jobSummaries: jobSummaries = newValue
            case .nodes: nodes = newValue
            case .plugins: plugins = newValue
            case .aclPolicies: aclPolicies = newValue
            case .aclTokens: aclTokens = newValue
            case .namespaces: namespaces = newValue
            case .volumes: volumes = newValue
            }
        }
    }
}
