/// The keys one applied entry changed. Every changed object also changes its table.
///
/// Kept as a short list rather than a set: an entry changes a handful of keys, and comparing a
/// few strings is cheaper than hashing them.
public struct ChangeSet: Sendable, Equatable {
    public private(set) var keys: [WatchKey] = []
    private var tableMask: UInt16 = 0

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
        case .volume: table = .volumes
        }
        if !keys.contains(key) { keys.append(key) }
        insertTable(table)
    }

    private mutating func insertTable(_ table: Table) {
        let bit: UInt16 = 1 << table.rawValue
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
