/// A server's role in its current term.
public enum Role: String, Sendable, Hashable {
    case follower, preCandidate, candidate, leader
}

/// Why a proposal was refused.
public enum ProposalError: Error, Sendable, Equatable {
    /// Only the leader takes proposals; `leader` is the one this server knows of, 0 for none.
    case notLeader(leader: NodeID)
    /// A leadership transfer is under way; proposals wait for the new leader.
    case transferring
    /// A membership change is refused; the reason says why.
    case configuration(String)
}

/// The raft consensus algorithm as a pure value: the runtime feeds it messages (``step(_:)``),
/// ticks of its clock (``tick()``) and proposals, and collects what to persist, send and apply
/// with ``ready()``. It does no I/O, reads no clock, and draws randomness only from a
/// generator seeded through ``RaftOptions/randomSeed``, so the same inputs always give the same
/// outputs — in the server and in the simulator alike.
///
/// It implements leader election with PreVote and CheckQuorum, log replication with fast
/// back-off and a flow-controlled pipeline, chunked and resumable InstallSnapshot, single-server
/// membership changes with non-voters, leadership transfer and ReadIndex.
public struct Raft: Sendable {
    public let id: NodeID
    let options: RaftOptions
    public internal(set) var term: UInt64 = 0
    /// Whom this server voted for in ``term``; 0 for nobody.
    public internal(set) var vote: NodeID = 0
    public internal(set) var role = Role.follower
    /// The leader of ``term`` as far as this server knows; 0 when unknown.
    public internal(set) var leader: NodeID = 0
    /// The configuration of the committed log.
    public internal(set) var configuration: Configuration
    var log: RaftLog
    /// Configuration entries up to this index have taken effect.
    var configurationApplied: UInt64

    var random: SplitMix64
    var electionElapsed = 0
    var heartbeatElapsed = 0
    var randomizedElectionTimeout = 0

    var progress: [NodeID: Progress] = [:]
    var votes: [NodeID: Bool] = [:]
    /// The last configuration entry this leader appended; no change until it commits.
    var pendingConfigurationIndex: UInt64 = 0
    /// The server a leadership transfer is handing over to; 0 for none.
    public internal(set) var transferee: NodeID = 0
    /// Proposals appended since the last ``ready()``; they go out in one AppendEntries per follower.
    var needsBroadcast = false

    var reads = ReadIndexQueue()
    /// Read requests that arrived before this leader committed an entry of its term.
    var readsAwaitingCommit: [(from: NodeID, requestID: UInt64)] = []
    var readStates: [ReadState] = []
    var messages: [Message] = []

    /// The newest snapshot the runtime took, for followers that need it.
    var snapshot: RaftSnapshot?
    /// A snapshot arriving in chunks.
    var incomingSnapshot: (metadata: RaftSnapshotMetadata, totalSize: UInt64, data: [UInt8])?
    /// A received snapshot for the runtime to install.
    var snapshotToInstall: RaftSnapshot?
    var persistedHardState: HardState

    /// A server restored from what its runtime persisted: the hard state, the newest snapshot
    /// (with its data: it is what a follower behind the compaction point is sent), and the log
    /// entries kept after compaction.
    public init(options: RaftOptions, hardState: HardState, snapshot: RaftSnapshot?, entries: [LogEntry]) {
        id = options.id
        self.options = options
        random = SplitMix64(seed: options.randomSeed)
        term = hardState.term
        vote = hardState.vote
        log = RaftLog(
            snapshot: snapshot?.metadata, entries: entries, committed: hardState.commit, applied: snapshot?.metadata.index ?? 0)
        configuration = snapshot?.metadata.configuration ?? Configuration()
        configurationApplied = snapshot?.metadata.index ?? 0
        self.snapshot = snapshot
        persistedHardState = HardState(term: term, vote: vote, commit: log.committed)
        applyCommittedConfigurations()
        resetRandomizedElectionTimeout()
    }

    /// What a new cluster's servers persist before their first start: the same configuration
    /// entry at index 1, term 1, committed (every server writes the identical entry).
    public static func bootstrap(_ configuration: Configuration) -> (hardState: HardState, entries: [LogEntry]) {
        (HardState(term: 1, vote: 0, commit: 1), [LogEntry(index: 1, term: 1, kind: .configuration, data: configuration.encoded())])
    }

    // MARK: Status

    public var commitIndex: UInt64 { log.committed }
    public var lastIndex: UInt64 { log.lastIndex }
    public var lastTerm: UInt64 { log.lastTerm }
    public var firstIndex: UInt64 { log.firstIndex }
    /// The last index handed out to apply.
    public var appliedIndex: UInt64 { log.applying }
    public var hardState: HardState { HardState(term: term, vote: vote, commit: log.committed) }

    /// The leader's view of each follower: the highest index known to match and the next to send.
    public var followers: [(id: NodeID, match: UInt64, next: UInt64)] {
        progress.keys.sorted().map { (id: $0, match: progress[$0]!.match, next: progress[$0]!.next) }
    }

    /// The entry at `index`, if the in-memory log still has it.
    public func entry(at index: UInt64) -> LogEntry? { log.entry(at: index) }

    // MARK: Ready

    /// Whether ``ready()`` has anything to hand out.
    public var hasReady: Bool {
        needsBroadcast || !messages.isEmpty || log.unstable <= log.lastIndex || snapshotToInstall != nil
            || !readStates.isEmpty || hardState != persistedHardState || log.applying < log.committed
    }

    /// Collects what the runtime must persist, send and apply; see ``Ready`` for the order.
    public mutating func ready() -> Ready {
        if needsBroadcast {
            needsBroadcast = false
            if role == .leader { broadcastAppend() }
        }
        var ready = Ready()
        if hardState != persistedHardState {
            ready.hardState = hardState
            if options.has(.forgetVote) { ready.hardState?.vote = 0 }
        }
        ready.entries = log.unstableEntries
        ready.snapshot = snapshotToInstall
        snapshotToInstall = nil
        ready.messages = messages
        messages = []
        ready.committedEntries = log.entriesToApply(maxBytes: options.maxApplyBytes)
        if let last = ready.committedEntries.last { log.applying = last.index }
        ready.readStates = readStates
        readStates = []
        return ready
    }

    /// Tells the core that everything in `ready` is done: persisted, sent and applied.
    public mutating func advance(_ ready: Ready) {
        if let last = ready.entries.last {
            log.unstable = max(log.unstable, last.index + 1)
            log.persisted = max(log.persisted, last.index)
        }
        if ready.hardState != nil { persistedHardState = options.has(.forgetVote) ? hardState : ready.hardState! }
        if role == .leader, maybeCommit() { broadcastAppend() }
    }

    // MARK: Proposals

    /// Appends commands to the leader's log and returns the index of the first; they are sent to
    /// followers with the next ``ready()``.
    public mutating func propose(_ commands: [[UInt8]]) throws(ProposalError) -> UInt64 {
        guard role == .leader else { throw .notLeader(leader: leader) }
        guard transferee == 0 else { throw .transferring }
        let first = log.lastIndex + 1
        appendEntries(commands.map { LogEntry(index: 0, term: 0, kind: .command, data: $0) })
        return first
    }

    /// Asks for a read index under `requestID`; the answer comes back as a ``ReadState`` in a
    /// later ``Ready``. A follower forwards the request to its leader.
    public mutating func requestRead(_ requestID: UInt64) throws(ProposalError) {
        switch role {
        case .leader:
            handleReadRequest(from: id, requestID: requestID)
        case .follower where leader != 0:
            send(Message(kind: .readIndex, from: id, to: leader, term: term, context: requestID))
        default:
            throw .notLeader(leader: leader)
        }
    }

    /// Records that the runtime took a snapshot, and lets the in-memory log drop the entries
    /// through `compactingThrough` (which trails the snapshot so slow followers need no snapshot).
    public mutating func snapshotTaken(_ snapshot: RaftSnapshot, compactingThrough index: UInt64) {
        if snapshot.metadata.index >= (self.snapshot?.metadata.index ?? 0) { self.snapshot = snapshot }
        log.compact(through: min(index, snapshot.metadata.index))
    }

    // MARK: Sending

    mutating func send(_ message: Message) {
        messages.append(message)
    }

    /// Appends entries stamped with this leader's term.
    mutating func appendEntries(_ new: [LogEntry]) {
        var index = log.lastIndex
        let stamped = new.map { entry -> LogEntry in
            index += 1
            return LogEntry(index: index, term: term, kind: entry.kind, data: entry.data)
        }
        log.append(stamped)
        needsBroadcast = true
    }
}
