/// What a log entry carries, as far as consensus is concerned.
public enum EntryKind: UInt8, Sendable, Hashable {
    /// A state machine command; the data is opaque to raft.
    case command = 0
    /// A cluster configuration (an encoded ``Configuration``) that takes effect when committed.
    case configuration = 1
    /// The empty entry a new leader appends to commit its term (Raft paper §5.4.2).
    case noop = 2
}

/// One entry of the replicated log.
public struct LogEntry: Sendable, Hashable {
    /// Position in the log, from 1.
    public var index: UInt64
    /// The leader term that created the entry.
    public var term: UInt64
    public var kind: EntryKind
    /// The command bytes; the log does not interpret them.
    public var data: [UInt8]

    public init(index: UInt64, term: UInt64, kind: EntryKind = .command, data: [UInt8]) {
        self.index = index
        self.term = term
        self.kind = kind
        self.data = data
    }
}
