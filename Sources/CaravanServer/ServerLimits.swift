/// The bounds on what requests can make a server hold in memory: its queues of waiting tasks and
/// its response cache, each with its unit.
///
/// A request that meets a bound is answered `429 Too Many Requests` (as Nomad answers a client at
/// its connection limit) with a text/plain body naming the bound and its limit, and changes
/// nothing: a write refused at a bound is never proposed. The defaults are far above what a
/// server meets in normal use (the `parked-queries` benchmark parks 10,000 queries); they make a
/// flood cost a bounded amount of memory instead of all of it.
///
/// The server's other bounds live with what they bound:
/// - the raft port (inbound connections, frame bytes, deadlines, each peer's outbound queue):
///   ``PeerTransportLimits``;
/// - a request body (bytes; 413 beyond it): ``APIConfiguration/maxBodySize``;
/// - a blocking query's wait (300 s, Nomad's cap): `BlockingOptions.maximumWait`;
/// - heartbeat interval, election timeout and the wait for a leader (durations):
///   `ClusterTiming` (CaravanCore);
/// - the snapshot interval and the trailing log (entries): `DurabilityOptions`
///   (CaravanDurability); a WAL segment (bytes): `WALOptions` (CaravanStorage);
/// - raft's messages, in-flight window, snapshot chunks and apply batches (entries, messages,
///   bytes): `RaftOptions` (CaravanRaft);
/// - introduced servers and remembered results (servers, entries): `CoreLimits` (CaravanCore).
public struct ServerLimits: Sendable, Equatable {
    /// Inputs waiting for the processing loop, in inputs (writes, peer messages, ticks, reads).
    /// The inbox empties into every batch, so it holds what arrives while one batch is persisted.
    /// At the bound a write or read is answered 429, a write a follower forwarded is refused back
    /// to it (its client gets the 429), a peer's raft message is dropped (raft sends again) and a
    /// tick is skipped.
    public var inbox: Int
    /// Requests this server has sent to the leader and waits for an answer to, in requests:
    /// forwarded writes, membership changes and transfers, and read indexes for reads without
    /// `?stale` on a follower. At the bound a new one is answered 429 before anything is sent.
    public var pendingRequests: Int
    /// Requests that wait, or will wait, for this server to apply an index the leader named, in
    /// requests: a follower's forwarded writes, membership changes and transfers, and reads through
    /// the leader. A request takes its place before it is sent or proposed, so at the bound a new
    /// one is answered 429 and nothing is proposed.
    public var applyWaiters: Int
    /// Requests waiting for a leader to be known (each for at most the leader wait), in requests.
    /// At the bound a new one is answered 429 instead of waiting.
    public var leaderWaiters: Int
    /// Blocking queries parked at once, in queries: counted from the moment a query decides to
    /// wait until it answers. At the bound a new one is answered 429 instead of parking.
    public var parkedQueries: Int
    /// Rendered responses the response cache keeps, in responses.
    public var responseCacheEntries: Int
    /// The response cache's budget, in bytes of response bodies.
    public var responseCacheBytes: Int
    /// The event journal's bound, in batches (applied entries with at least one event). The
    /// default covers a log between two snapshots with its trailing entries (8,192 + 10,240), so
    /// a stream resumes from any index the log holds; a stream that falls further behind than
    /// this ends with an error line.
    public var eventBatches: Int
    /// Event streams open at once, in streams. At the bound a new one is answered 429.
    public var eventStreams: Int

    public init(
        inbox: Int = 65_536, pendingRequests: Int = 50_000, applyWaiters: Int = 50_000, leaderWaiters: Int = 50_000,
        parkedQueries: Int = 50_000, responseCacheEntries: Int = 4096, responseCacheBytes: Int = 64 << 20, eventBatches: Int = 18_432,
        eventStreams: Int = 20_000
    ) {
        self.inbox = inbox
        self.pendingRequests = pendingRequests
        self.applyWaiters = applyWaiters
        self.leaderWaiters = leaderWaiters
        self.parkedQueries = parkedQueries
        self.responseCacheEntries = responseCacheEntries
        self.responseCacheBytes = responseCacheBytes
        self.eventBatches = eventBatches
        self.eventStreams = eventStreams
    }
}
