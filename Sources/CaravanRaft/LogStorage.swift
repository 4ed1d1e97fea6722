/// Why a log operation failed.
public enum LogError: Error, Sendable, Equatable {
    /// The requested index is before the first retained entry (it was compacted away).
    case compacted(UInt64)
    /// The requested index is after the last entry.
    case unavailable(UInt64)
    /// An append did not start right after the last entry.
    case gap(expected: UInt64, got: UInt64)
    /// The storage under the log failed (an I/O error, a full disk).
    case storage(String)
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
    /// Appends entries that continue the log without a gap; durable when it returns.
    mutating func append(_ entries: [LogEntry]) throws(LogError)
    /// Drops every entry after `index` (a conflicting tail).
    mutating func truncate(after index: UInt64) throws(LogError)
    /// Allows the storage to drop entries up to `index` (a snapshot covers them). It may keep
    /// some; ``firstIndex`` says what it kept.
    mutating func compact(through index: UInt64) throws(LogError)
    /// Drops every entry; the next append starts at `index + 1` (after installing a snapshot
    /// the log does not continue).
    mutating func reset(after index: UInt64) throws(LogError)
    /// Releases what the storage holds open (files); nothing may be read or written after it.
    func close()
}

extension LogStorage {
    /// Nothing to release.
    public func close() {}
}
