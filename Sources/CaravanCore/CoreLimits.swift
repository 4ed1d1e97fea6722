/// The bounds of what a ``ServerCore`` keeps, each with its unit. They are constants: the core's
/// behaviour must be the same on every server and in every simulated run.
///
/// The core's other bounds are options: its timing (heartbeat interval, election timeout, the
/// wait for a leader) is ``ClusterTiming``; raft's messages, in-flight window, snapshot chunks and
/// apply batches are `RaftOptions`; the snapshot interval and the trailing log are
/// `DurabilityOptions`. The agent's queues around the core are bounded by `ServerLimits`
/// (CaravanServer).
public enum CoreLimits {
    /// Servers outside the configuration that introductions (`Hello`) may make addressable, in
    /// servers; more are ignored.
    public static let introducedServers = 64
    /// Results of applied entries kept for followers answering writes their leader applied, in
    /// entries; past it the older half is forgotten (such a follower then answers with the
    /// index alone).
    public static let recentlyAppliedResults = 8192
}
