public import CaravanRaft
public import CaravanState

/// One input to a server's core, as its processing loop hands them over in batches (group
/// commit: everything that arrived while the previous batch was being persisted goes out in the
/// next).
public enum CoreInput: Sendable {
    case message(Message)
    case tick
    /// A write this server proposes; `token` names its waiter in the shell.
    case propose([UInt8], token: UInt64)
    /// A write, membership change or transfer a follower forwarded, already checked.
    case forwarded(from: NodeID, requestID: UInt64, operation: ForwardedOperation)
    /// A membership change or transfer started on this server; `token` names its waiter.
    case operation(ForwardedOperation, token: UInt64?)
    /// A read that must see what the leader has committed (ReadIndex).
    case read(requestID: UInt64)
}

/// What the core asks its shell to do: frames to send, state versions to publish, waiters to
/// answer, a snapshot to write, lines to log. The shell does them in the order of the fields.
public struct CoreOutput: Sendable {
    /// Frames for peers.
    public var frames: [(frame: PeerFrame, to: Server)] = []
    /// A snapshot from the leader replaced the state: readers restart from it.
    public var restored: StateVersion?
    /// Each applied entry, with the state version right after it, in index order.
    public var applied: [(entry: LogEntry, result: AppliedEntry, state: StateVersion)] = []
    /// Answers to this server's own proposals, by token.
    public var proposals: [(token: UInt64, result: Result<AppliedEntry, SubmitError>)] = []
    /// Answers to this server's own membership changes and transfers, by token.
    public var operations: [(token: UInt64, result: ForwardResult)] = []
    /// Answers to requests this server sent the leader (forwarded operations, read indexes).
    public var answers: [(requestID: UInt64, result: ForwardResult)] = []
    /// A snapshot of the applied state to write (and the log to compact after it); the shell
    /// reports back with ``ServerCore/snapshotWritten(_:frame:)``.
    public var snapshot: SnapshotJob?
    /// Refusals worth a (rate-limited) log line: a kind and the line.
    public var warnings: [(kind: String, message: String)] = []
    /// A new cluster to found: the shell persists the bootstrap entry (``Raft/bootstrap(_:)``)
    /// and reports back with ``ServerCore/bootstrapped(_:)``.
    public var bootstrap: Configuration?

    public init() {}

    public var isEmpty: Bool {
        frames.isEmpty && restored == nil && applied.isEmpty && proposals.isEmpty && operations.isEmpty && answers.isEmpty
            && snapshot == nil && warnings.isEmpty && bootstrap == nil
    }

    /// Adds `other`'s work after this output's.
    public mutating func append(_ other: CoreOutput) {
        frames += other.frames
        if let restored = other.restored { self.restored = restored }
        applied += other.applied
        proposals += other.proposals
        operations += other.operations
        answers += other.answers
        if let snapshot = other.snapshot { self.snapshot = snapshot }
        warnings += other.warnings
        if let bootstrap = other.bootstrap { self.bootstrap = bootstrap }
    }
}

/// A snapshot the core wants written: the applied state at `metadata.index`, then the log
/// compacted through `compactThrough` (0: not at all).
public struct SnapshotJob: Sendable {
    public let state: StateVersion
    public let metadata: RaftSnapshotMetadata
    public let compactThrough: UInt64
}

/// What one `Ready` asks to persist, and the messages to send around it. The shell persists
/// `snapshot`, `entries` and `hardState` in that order (``RaftStorage``), sends `messages`
/// before persisting when `sendsFirst` and after otherwise, then hands it back to
/// ``ServerCore/persisted(_:installed:)``.
public struct ReadyWork: Sendable {
    public let ready: Ready
    /// A leader sends before it syncs, so its own write overlaps the followers' (thesis
    /// §10.2.1): it counts itself towards a quorum only for what it has persisted, and its term
    /// and vote were made durable while it was a candidate. Everyone else promises what is on
    /// disk, so sends after.
    public let sendsFirst: Bool
    public let frames: [(frame: PeerFrame, to: Server)]

    public var snapshot: RaftSnapshot? { ready.snapshot }
    public var entries: [LogEntry] { ready.entries }
    public var hardState: HardState? { ready.hardState }
}
