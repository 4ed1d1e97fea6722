/// Counters of the write path, for `/v1/agent/self`.
public struct WriteStatistics: Sendable {
    /// Log appends (each one write and one sync on a durable server).
    public var batches = 0
    public var entries = 0
    public var snapshots = 0
    /// Snapshots received from the leader and installed (a follower that fell behind the
    /// compacted log).
    public var snapshotsInstalled = 0
    public var lastSnapshotIndex: UInt64 = 0
    /// Why the last background snapshot failed, if it did (the server retries an interval later).
    public var lastSnapshotError: String?

    public init() {}
}
