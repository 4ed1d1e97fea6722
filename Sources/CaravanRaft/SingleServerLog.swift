/// The log of a cluster of one: every proposal is committed as soon as it is appended, since the
/// only voter is the server itself. A value type with no I/O; the runtime drives it and applies
/// what ``committedEntries()`` returns.
public struct SingleServerLog<Storage: LogStorage>: Sendable {
    public private(set) var storage: Storage
    public let term: UInt64
    /// The highest index known committed.
    public private(set) var commitIndex: UInt64
    /// The highest index handed out for applying.
    public private(set) var appliedIndex: UInt64

    public init(storage: Storage, term: UInt64 = 1, appliedIndex: UInt64 = 0) {
        self.storage = storage
        self.term = term
        self.commitIndex = storage.lastIndex
        self.appliedIndex = appliedIndex
    }

    /// Appends `batch` (one entry per element) and commits it; returns the entries' indexes.
    public mutating func propose(_ batch: [[UInt8]]) throws(LogError) -> ClosedRange<UInt64>? {
        guard !batch.isEmpty else { return nil }
        let first = storage.lastIndex + 1
        let entries = batch.enumerated().map { LogEntry(index: first + UInt64($0.offset), term: term, data: $0.element) }
        try storage.append(entries)
        commitIndex = storage.lastIndex
        return first...commitIndex
    }

    /// The committed entries not yet handed out, in order; marks them handed out.
    public mutating func committedEntries() throws(LogError) -> [LogEntry] {
        guard commitIndex > appliedIndex else { return [] }
        let entries = try storage.entries(from: appliedIndex + 1, to: commitIndex)
        appliedIndex = commitIndex
        return entries
    }
}
