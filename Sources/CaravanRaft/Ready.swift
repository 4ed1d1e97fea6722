/// A linearizable read's position: once the state machine has applied `index`, a read started
/// when the request was made may be served from local state (thesis §6.4).
public struct ReadState: Sendable, Hashable {
    public var requestID: UInt64
    public var index: UInt64

    public init(requestID: UInt64, index: UInt64) {
        self.requestID = requestID
        self.index = index
    }
}

/// Everything the consensus core asks of its runtime after some steps, in the order it must be
/// done:
/// 1. persist ``snapshot`` (if any), then ``entries`` (dropping any persisted entries at or after
///    the first of them: a conflicting suffix), then ``hardState``;
/// 2. send ``messages`` — only after step 1 is durable, since votes and acknowledgements promise
///    what is on disk;
/// 3. restore the state machine from ``snapshot`` and apply ``committedEntries`` in order;
/// 4. call ``Raft/advance(_:)`` and step nothing into the core between ``Raft/ready()`` and it.
public struct Ready: Sendable {
    /// The term, vote and commit index, when they changed.
    public var hardState: HardState?
    public var entries: [LogEntry] = []
    /// A snapshot received from the leader, to persist and restore.
    public var snapshot: RaftSnapshot?
    public var messages: [Message] = []
    public var committedEntries: [LogEntry] = []
    public var readStates: [ReadState] = []

    public init() {}

    public var isEmpty: Bool {
        hardState == nil && entries.isEmpty && snapshot == nil && messages.isEmpty && committedEntries.isEmpty
            && readStates.isEmpty
    }
}
