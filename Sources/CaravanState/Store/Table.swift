/// The state's tables. Each has an index: the raft index of the last entry that changed it.
public enum Table: Int, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case jobs
    case jobSummaries
    case nodes
    case plugins

    public var description: String {
        switch self {
        case .jobs: "jobs"
        case .jobSummaries: "job_summary"
        case .nodes: "nodes"
        case .plugins: "csi_plugins"
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
public struct ChangeSet: Sendable, Equatable {
    public private(set) var keys: Set<WatchKey> = []

    public init() {}

    public var isEmpty: Bool { keys.isEmpty }

    mutating func insert(_ key: WatchKey) {
        keys.insert(key)
        switch key {
        case .table: break
        case .job: keys.insert(.table(.jobs))
        case .node: keys.insert(.table(.nodes))
        case .plugin: keys.insert(.table(.plugins))
        }
    }

    public func contains(_ key: WatchKey) -> Bool { keys.contains(key) }

    public var tables: [Table] {
        Table.allCases.filter { keys.contains(.table($0)) }
    }
}
