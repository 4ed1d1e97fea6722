/// What a server must persist before it answers any message: the term it is in, whom it voted
/// for in that term, and how far it knows the log to be committed.
public struct HardState: Sendable, Hashable {
    public var term: UInt64
    /// The candidate voted for in `term`, 0 for none.
    public var vote: NodeID
    public var commit: UInt64

    public init(term: UInt64 = 0, vote: NodeID = 0, commit: UInt64 = 0) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }
}
