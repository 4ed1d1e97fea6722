/// How a raft server behaves, and every bound of the raft core, each with its unit; times are in
/// ticks, which the runtime maps to real or simulated time.
public struct RaftOptions: Sendable {
    public var id: NodeID
    /// A follower that hears nothing from a leader for a random time in
    /// [electionTicks, 2 × electionTicks) starts an election.
    public var electionTicks = 10
    /// A leader sends heartbeats every this many ticks.
    public var heartbeatTicks = 1
    /// Ask for pre-votes before a real election, so a server cut off from the cluster does not
    /// raise every term when it comes back (thesis §9.6).
    public var preVote = true
    /// A leader that has not heard from a quorum within an election timeout steps down, and
    /// followers that heard from a leader within one refuse votes (thesis §6.2, §4.2.3).
    public var checkQuorum = true
    /// Entries per AppendEntries message, in entries.
    public var maxEntriesPerMessage = 1024
    /// Bytes of entries per AppendEntries message (at least one entry is sent).
    public var maxBytesPerMessage = 1 << 20
    /// The in-flight window per follower, in AppendEntries messages and in bytes.
    public var maxInflightMessages = 64
    public var maxInflightBytes = 16 << 20
    /// InstallSnapshot chunk size in bytes, and how many chunks may be unacknowledged at once.
    public var snapshotChunkBytes = 1 << 20
    public var maxSnapshotChunksInFlight = 4
    /// Committed entries handed out per ``Ready``, in bytes (at least one entry).
    public var maxApplyBytes = 16 << 20
    /// The leader promotes a non-voter once it has caught up with the leader's log.
    public var promoteCaughtUpNonvoters = true
    /// Seeds the generator that randomizes election timeouts; the only randomness in raft.
    public var randomSeed: UInt64
    #if DEBUG
        /// A deliberate bug for the simulator to catch (debug builds only).
        public var mutation: RaftMutation?
    #endif

    public init(id: NodeID, randomSeed: UInt64) {
        self.id = id
        self.randomSeed = randomSeed
    }
}
