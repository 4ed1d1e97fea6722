/// The state's tables. Each has an index: the raft index of the last entry that changed it.
public enum Table: Int, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case jobs
    case jobSummaries
    case nodes
    case plugins
    case aclPolicies
    case aclTokens
    case namespaces

    public var description: String {
        switch self {
        case .jobs: "jobs"
        case .jobSummaries: "job_summary"
        case .nodes: "nodes"
        case .plugins: "csi_plugins"
        case .aclPolicies: "acl_policy"
        case .aclTokens: "acl_token"
        case .namespaces: "namespaces"
        }
    }
}

/// A job's identity: jobs are unique per namespace.
public struct JobKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var namespace: String
    public var id: String

    public init(namespace: String, id: String) {
        self.namespace = namespace
        self.id = id
    }

    public static func < (a: JobKey, b: JobKey) -> Bool {
        (a.namespace, a.id) < (b.namespace, b.id)
    }

    public var description: String { "\(namespace)/\(id)" }
}

/// What a blocking query watches: a whole table (lists) or one object (detail reads).
public enum WatchKey: Sendable, Hashable {
    case table(Table)
    case job(JobKey)
    case node(String)
    case plugin(String)
}

/// The keys one applied entry changed. Every changed object also changes its table.
///
/// Kept as a short list rather than a set: an entry changes a handful of keys, and comparing a
/// few strings is cheaper than hashing them.
public struct ChangeSet: Sendable, Equatable {
    public private(set) var keys: [WatchKey] = []
    private var tableMask: UInt8 = 0

    public init() {}

    public var isEmpty: Bool { keys.isEmpty }

    mutating func insert(_ key: WatchKey) {
        let table: Table
        switch key {
        case .table(let changed):
            insertTable(changed)
            return
        case .job: table = .jobs
        case .node: table = .nodes
        case .plugin: table = .plugins
        }
        if !keys.contains(key) { keys.append(key) }
        insertTable(table)
    }

    private mutating func insertTable(_ table: Table) {
        let bit: UInt8 = 1 << table.rawValue
        guard tableMask & bit == 0 else { return }
        tableMask |= bit
        keys.append(.table(table))
    }

    public func contains(_ key: WatchKey) -> Bool { keys.contains(key) }

    /// The tables this entry changed.
    public var tables: [Table] {
        Table.allCases.filter { tableMask & (1 << $0.rawValue) != 0 }
    }

    public static func == (a: ChangeSet, b: ChangeSet) -> Bool { Set(a.keys) == Set(b.keys) }
}

/// The index of each table.
struct TableIndexes: Sendable {
    private var jobs: UInt64 = 0
    private var jobSummaries: UInt64 = 0
    private var nodes: UInt64 = 0
    private var plugins: UInt64 = 0
    private var aclPolicies: UInt64 = 0
    private var aclTokens: UInt64 = 0
    private var namespaces: UInt64 = 0

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
            }
        }
    }
}
