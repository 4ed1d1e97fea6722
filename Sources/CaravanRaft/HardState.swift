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

/// What a snapshot covers: the last entry it includes and the configuration as of that entry.
public struct SnapshotMetadata: Sendable, Hashable {
    public var index: UInt64
    public var term: UInt64
    public var configuration: Configuration

    public init(index: UInt64, term: UInt64, configuration: Configuration) {
        self.index = index
        self.term = term
        self.configuration = configuration
    }
}

/// A snapshot: its metadata and the state machine's bytes, opaque to raft.
public struct Snapshot: Sendable, Hashable {
    public var metadata: SnapshotMetadata
    public var data: [UInt8]

    public init(metadata: SnapshotMetadata, data: [UInt8]) {
        self.metadata = metadata
        self.data = data
    }
}
