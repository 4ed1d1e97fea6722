/// The kinds of message raft servers exchange.
public enum MessageKind: UInt8, Sendable, Hashable, CaseIterable {
    /// "Would you vote for me at `term`?", asked before a real election (thesis §9.6).
    case preVote = 1
    case preVoteResponse = 2
    case vote = 3
    case voteResponse = 4
    /// AppendEntries: `entries` follow the entry at `index` whose term is `logTerm`.
    case append = 5
    /// `index` is the follower's last matching index, or on `reject` the index it was asked
    /// about with `rejectHint`/`logTerm` saying where its log may match.
    case appendResponse = 6
    case heartbeat = 7
    case heartbeatResponse = 8
    /// One chunk of an InstallSnapshot transfer.
    case snapshot = 9
    /// `index` is the offset the follower wants next, or on success the snapshot's index.
    case snapshotResponse = 10
    /// Leadership transfer: "campaign now".
    case timeoutNow = 11
    /// A follower asks the leader for a read index; `context` identifies the request.
    case readIndex = 12
    case readIndexResponse = 13
}

/// One piece of a snapshot in flight to a follower.
public struct SnapshotChunk: Sendable, Hashable {
    public var metadata: RaftSnapshotMetadata
    /// The snapshot's total size in bytes.
    public var totalSize: UInt64
    /// Where `data` starts within the snapshot.
    public var offset: UInt64
    public var data: [UInt8]

    public init(metadata: RaftSnapshotMetadata, totalSize: UInt64, offset: UInt64, data: [UInt8]) {
        self.metadata = metadata
        self.totalSize = totalSize
        self.offset = offset
        self.data = data
    }

    public var isLast: Bool { offset + UInt64(data.count) >= totalSize }
}

/// A message between two raft servers. Which fields matter depends on ``kind``.
public struct Message: Sendable, Hashable {
    public var kind: MessageKind
    public var from: NodeID
    public var to: NodeID
    public var term: UInt64
    public var logTerm: UInt64 = 0
    public var index: UInt64 = 0
    public var entries: [LogEntry] = []
    public var commit: UInt64 = 0
    public var reject = false
    public var rejectHint: UInt64 = 0
    /// A read request's ID (read index and heartbeats), or 1 on a vote request that a
    /// leadership transfer started.
    public var context: UInt64 = 0
    public var snapshot: SnapshotChunk?

    public init(
        kind: MessageKind, from: NodeID, to: NodeID, term: UInt64, logTerm: UInt64 = 0, index: UInt64 = 0,
        entries: [LogEntry] = [], commit: UInt64 = 0, reject: Bool = false, rejectHint: UInt64 = 0, context: UInt64 = 0,
        snapshot: SnapshotChunk? = nil
    ) {
        self.kind = kind
        self.from = from
        self.to = to
        self.term = term
        self.logTerm = logTerm
        self.index = index
        self.entries = entries
        self.commit = commit
        self.reject = reject
        self.rejectHint = rejectHint
        self.context = context
        self.snapshot = snapshot
    }

    var isResponse: Bool {
        switch kind {
        case .preVoteResponse, .voteResponse, .appendResponse, .heartbeatResponse, .snapshotResponse, .readIndexResponse: true
        default: false
        }
    }
}
