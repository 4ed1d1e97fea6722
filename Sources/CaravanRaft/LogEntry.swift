/// One entry of the replicated log.
public struct LogEntry: Sendable, Hashable {
    /// Position in the log, from 1.
    public var index: UInt64
    /// The leader term that created the entry.
    public var term: UInt64
    /// The command bytes; the log does not interpret them.
    public var data: [UInt8]

    public init(index: UInt64, term: UInt64, data: [UInt8]) {
        self.index = index
        self.term = term
        self.data = data
    }
}
