/// Why a log operation failed.
public enum LogError: Error, Sendable, Equatable {
    /// The requested index is before the first retained entry (it was compacted away).
    case compacted(UInt64)
    /// The requested index is after the last entry.
    case unavailable(UInt64)
    /// An append did not start right after the last entry.
    case gap(expected: UInt64, got: UInt64)
}

/// Where a server keeps its log entries. The consensus code reads and appends through this; the
/// durable implementation is the write-ahead log, the in-memory one serves tests and `-dev`.
public protocol LogStorage: Sendable {
    /// Index of the first retained entry (1 on a log never compacted).
    var firstIndex: UInt64 { get }
    /// Index of the last entry (0 on an empty log).
    var lastIndex: UInt64 { get }
    /// Entries `from...to`.
    func entries(from: UInt64, to: UInt64) throws(LogError) -> [LogEntry]
    /// Appends entries that continue the log without a gap.
    mutating func append(_ entries: [LogEntry]) throws(LogError)
}

/// An in-memory ``LogStorage``.
public struct MemoryLogStorage: LogStorage {
    private var stored: [LogEntry] = []
    public private(set) var firstIndex: UInt64 = 1

    public init() {}

    public var lastIndex: UInt64 { firstIndex + UInt64(stored.count) - 1 }

    public func entries(from: UInt64, to: UInt64) throws(LogError) -> [LogEntry] {
        guard from >= firstIndex else { throw .compacted(from) }
        guard to <= lastIndex else { throw .unavailable(to) }
        guard from <= to else { return [] }
        return Array(stored[Int(from - firstIndex)...Int(to - firstIndex)])
    }

    public mutating func append(_ entries: [LogEntry]) throws(LogError) {
        guard let first = entries.first else { return }
        guard first.index == lastIndex + 1 else { throw .gap(expected: lastIndex + 1, got: first.index) }
        stored.append(contentsOf: entries)
    }
}
