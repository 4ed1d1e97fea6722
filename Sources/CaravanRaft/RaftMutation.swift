/// A deliberate bug that a debug build of the core can be told to have, so the simulator can
/// prove its checkers catch it. Release builds ignore ``RaftOptions/mutation``.
public enum RaftMutation: String, Sendable, CaseIterable {
    /// A leader commits an entry of an earlier term by counting its replicas (paper Figure 8).
    case commitOldTerm = "commit-old-term"
    /// The vote a server casts is never handed out to be persisted, so a restart forgets it.
    case forgetVote = "forget-vote"
    /// A server grants its vote without checking that the candidate's log is up to date.
    case voteForStaleLog = "vote-for-stale-log"
    /// A leader answers ReadIndex with its commit index without confirming it still leads.
    case readWithoutQuorum = "read-without-quorum"
}

extension RaftOptions {
    /// Whether this server runs with `mutation`; always false in release builds.
    @inline(__always)
    func has(_ mutation: RaftMutation) -> Bool {
        #if DEBUG
            self.mutation == mutation
        #else
            false
        #endif
    }
}
