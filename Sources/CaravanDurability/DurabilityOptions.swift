public import CaravanStorage

/// How a durable server keeps its data directory: the bounds on its snapshots and log.
public struct DurabilityOptions: Sendable {
    /// Take a snapshot after this many entries applied since the last one, in entries.
    public var snapshotInterval: UInt64
    /// Entries the log keeps before the newest snapshot (for the fallback to the older one), in
    /// entries.
    public var trailingEntries: UInt64
    /// How the WAL lays out its files: its segment size (bytes).
    public var wal: WALOptions

    public init(snapshotInterval: UInt64 = 8192, trailingEntries: UInt64 = 10_240, wal: WALOptions = WALOptions()) {
        self.snapshotInterval = snapshotInterval
        self.trailingEntries = trailingEntries
        self.wal = wal
    }
}
