import CaravanRaft

/// A deliberate bug a debug build can run the simulation with, to prove that the checkers catch
/// it: four in the raft core, one in the blocking-query wake rule and one in the shell's feeding of
/// the event journal.
public enum SimulationMutation: String, Sendable, CaseIterable {
    /// A leader commits an entry of an earlier term by counting replicas (Figure 8).
    case commitOldTerm = "commit-old-term"
    /// A server's vote is never persisted, so a restart forgets it.
    case forgetVote = "forget-vote"
    /// Votes are granted without the log up-to-date check.
    case voteForStaleLog = "vote-for-stale-log"
    /// A leader answers ReadIndex without confirming it still leads.
    case readWithoutQuorum = "read-without-quorum"
    /// An applied entry wakes only the queries watching its first changed key.
    case dropWakeup = "drop-wakeup"
    /// A server that installs a snapshot keeps its event journal instead of restarting it after
    /// the snapshot, so its streams skip the entries the snapshot covers without a gap line.
    case keepJournalOnRestore = "keep-journal-on-restore"

    /// Whether this build honours mutations: debug builds only.
    public static var isAvailable: Bool {
        #if DEBUG
            true
        #else
            false
        #endif
    }

    var raftMutation: RaftMutation? { RaftMutation(rawValue: rawValue) }
}
