/// A raft snapshot: its metadata and the state machine's bytes, opaque to raft.
public struct RaftSnapshot: Sendable, Hashable {
    public var metadata: RaftSnapshotMetadata
    public var data: [UInt8]

    public init(metadata: RaftSnapshotMetadata, data: [UInt8]) {
        self.metadata = metadata
        self.data = data
    }
}

/// What a snapshot covers: the last entry it includes and the configuration as of that entry.
public struct RaftSnapshotMetadata: Sendable, Hashable {
    public var index: UInt64
    public var term: UInt64
    public var configuration: Configuration

    public init(index: UInt64, term: UInt64, configuration: Configuration) {
        self.index = index
        self.term = term
        self.configuration = configuration
    }
}
