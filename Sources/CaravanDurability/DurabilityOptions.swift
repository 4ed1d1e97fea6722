public import CaravanStorage

/// How a durable server keeps its data directory.
public struct DurabilityOptions: Sendable {
    /// Take a snapshot after this many entries applied since the last one.
    public var snapshotInterval: UInt64
    /// Entries the log keeps before the newest snapshot (for the fallback to the older one).
    public var trailingEntries: UInt64
    public var wal: WALOptions

    public init(snapshotInterval: UInt64 = 8192, trailingEntries: UInt64 = 10_240, wal: WALOptions = WALOptions()) {
        self.snapshotInterval = snapshotInterval
        self.trailingEntries = trailingEntries
        self.wal = wal
    }
}
