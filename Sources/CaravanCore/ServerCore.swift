public import CaravanAdmission
public import CaravanDurability
public import CaravanRaft
public import CaravanState
public import CaravanStorage

/// Every decision one Caravan server makes, as a value with no threads, no clock and no I/O: the
/// raft core, the state machine, bootstrap (a one-server cluster's, and `-bootstrap-expect`
/// discovery), joining, the snapshot schedule, the checks of what followers forward, and the
/// bookkeeping of writes and requests waiting for an answer.
///
/// Its inputs are peer frames, ticks, proposals, read requests and the completions of the I/O it
/// asked for; its outputs (``CoreOutput``, ``ReadyWork``) say what to persist, send, publish and
/// answer. The agent (`ServerNode`, real time, NIO and a disk) and the simulator (a virtual clock,
/// a simulated network and disk) wrap this same value, so what the simulator exercises is what
/// the agent runs.
///
/// Its outputs come in a deterministic order (maps are read in sorted key order), so a
/// simulated run from a seed replays event for event.
///
/// A shell's processing loop: hand a batch of inputs to ``handle(_:)``; take ``nextReady()``;
/// send its frames first if it says so; persist it; send its frames otherwise; hand it back to
/// ``persisted(_:installed:)``; do what each output says; repeat while there is work.
public struct ServerCore: Sendable {
    public let membership: ClusterMembership
    public let admission: Admission
    public let durability: DurabilityOptions
    let raftOptions: RaftOptions
    public internal(set) var raft: Raft
    public internal(set) var machine: StateMachine
    /// Servers this one can address: the configuration's and those met through `Hello`.
    public internal(set) var addressBook: [NodeID: Server] = [:]
    /// While this server looks for its cluster.
    var discovery: Discovery?
    /// Set once persisting failed (or the server stopped); every later write is refused.
    public internal(set) var failure: String?
    /// Whether the raft core led at the last look, to notice it stepping down.
    var wasLeader = false
    /// The term and vote last persisted.
    var durableVote: (term: UInt64, vote: NodeID)
    /// Local proposals waiting for their entry to apply, by index: the term they were proposed
    /// in and the shell's token for their waiter.
    var proposals: [UInt64: (term: UInt64, token: UInt64)] = [:]
    /// Followers' forwarded writes this leader proposed, by index: whom to answer.
    var forwarded: [UInt64: (from: NodeID, requestID: UInt64, term: UInt64)] = [:]
    /// Recently applied results, so a follower whose forwarded write the leader applied can
    /// answer with what applying it did.
    var recentlyApplied: [UInt64: AppliedEntry] = [:]
    var recentlyAppliedOrder: [UInt64] = []
    /// Requests sent to the leader, by request ID: which leader, and whether it is a write.
    var requests: [UInt64: (leader: NodeID, isWrite: Bool)] = [:]
    /// The leader the pending requests were last checked against.
    var requestsLeader: NodeID = 0
    /// Starts at a value the shell draws at random: an answer to a forwarded request must name
    /// an ID that was actually sent, which nobody outside the server can predict.
    var nextRequestID: UInt64
    /// Whether this server writes snapshots (a durable one does; `-dev` does not).
    let takesSnapshots: Bool
    var snapshotDue: UInt64
    var snapshotting = false
    public internal(set) var statistics = WriteStatistics()

    /// What a server starts from: its newest snapshot (if any), the log after it, its term and
    /// vote, and the state the snapshot holds.
    public struct Start: Sendable {
        public var state: StateVersion
        public var snapshot: RaftSnapshot?
        public var entries: [LogEntry]
        public var hardState: HardState

        public init(state: StateVersion = StateVersion(), snapshot: RaftSnapshot? = nil, entries: [LogEntry] = [], hardState: HardState = HardState()) {
            self.state = state
            self.snapshot = snapshot
            self.entries = entries
            self.hardState = hardState
        }

        /// A server recovered from its data directory.
        public init(recovery: RaftRecovery) {
            let vote = recovery.termAndVote
            self.init(
                state: recovery.state,
                snapshot: recovery.snapshot.map {
                    RaftSnapshot(metadata: RaftSnapshotMetadata(index: $0.index, term: $0.term, configuration: $0.configuration), data: $0.frame)
                },
                entries: recovery.entries,
                hardState: HardState(term: vote?.term ?? 0, vote: vote.flatMap { NodeID($0.votedFor) } ?? 0, commit: 0))
        }
    }

    /// A server starting from `start`. A one-server raft cluster (a raft address, no other
    /// founder expected, nobody to join) writes its configuration into its log on its first
    /// start, as founders of a larger one do, so that a restart finds it there whatever its flags;
    /// a server without a raft address, or a one-server cluster whose log an older build wrote
    /// without its configuration, is a cluster of its own. A server alone in its configuration
    /// campaigns at once: the first `Ready` its shell processes makes it the leader and applies
    /// its whole log (the agent processes it before it serves anything).
    ///
    /// - Parameters:
    ///   - electionTicks: The election timeout in ticks.
    ///   - randomSeed: Seeds raft's election timeouts and the first request ID.
    ///   - takesSnapshots: Whether it writes snapshots of its state (a durable server does).
    ///   - readOnly: A replay's view: it never elects itself or persists anything.
    ///   - tuneRaft: Adjusts raft's options (the simulator draws message sizes per run).
    ///   - persist: Writes entries and a hard state durably, on the calling thread.
    public init(
        membership: ClusterMembership, admission: Admission, durability: DurabilityOptions, electionTicks: Int, randomSeed: UInt64,
        start: Start, takesSnapshots: Bool, readOnly: Bool = false, tuneRaft: (inout RaftOptions) -> Void = { _ in },
        persist: (_ entries: [LogEntry], _ hardState: HardState?) throws -> Void
    ) {
        self.membership = membership
        self.admission = admission
        self.durability = durability
        self.takesSnapshots = takesSnapshots
        var options = RaftOptions(id: membership.server.id, randomSeed: randomSeed)
        options.electionTicks = electionTicks
        tuneRaft(&options)
        raftOptions = options
        nextRequestID = randomSeed % (UInt64.max / 2) + 1
        statistics.lastSnapshotIndex = start.snapshot?.metadata.index ?? 0
        snapshotDue = (start.snapshot?.metadata.index ?? 0) + durability.snapshotInterval
        var raft = Raft(options: options, hardState: start.hardState, snapshot: start.snapshot, entries: start.entries)
        let fresh = start.snapshot == nil && start.entries.isEmpty
        let foundsAlone = membership.bootstrapExpect <= 1 && membership.join.isEmpty
        if raft.configuration.isEmpty, !membership.server.raftAddress.isEmpty, fresh, foundsAlone, !readOnly {
            let (hardState, entries) = Raft.bootstrap(Configuration([membership.server]))
            do {
                try persist(entries, hardState)
                raft = Raft(options: options, hardState: hardState, snapshot: nil, entries: entries)
            } catch {
                failure = "bootstrapping the cluster: \(error)"
            }
        } else if raft.configuration.isEmpty, membership.server.raftAddress.isEmpty || foundsAlone {
            let alone = RaftSnapshotMetadata(
                index: start.snapshot?.metadata.index ?? 0, term: start.snapshot?.metadata.term ?? 0,
                configuration: Configuration([membership.server]))
            raft = Raft(
                options: options, hardState: start.hardState, snapshot: RaftSnapshot(metadata: alone, data: start.snapshot?.data ?? []),
                entries: start.entries)
        }
        if raft.configuration.voters == [raft.id], !readOnly, failure == nil {
            raft.campaign()
        }
        self.raft = raft
        self.machine = StateMachine(state: start.state)
        durableVote = (raft.term, raft.vote)
        if raft.configuration.isEmpty { discovery = Discovery(expect: membership.bootstrapExpect, join: membership.join) }
        for server in raft.configuration.servers { addressBook[server.id] = server }
        learnAddresses(from: start.entries)
    }

    /// Whether this server belongs to a cluster with other servers (it keeps applied results for
    /// the writes its leader applies for it).
    var hasPeers: Bool { !membership.server.raftAddress.isEmpty }

    /// Whether this server can reach a leader: it leads, or it knows the leader's address.
    public var knowsLeader: Bool { raft.role == .leader || (raft.leader != 0 && addressBook[raft.leader] != nil) }

    /// The leader as a server, if known.
    public var leader: Server? { raft.leader == 0 ? nil : (raft.configuration.server(raft.leader) ?? addressBook[raft.leader]) }

    /// What applying the entry at `index` did here, if this server still remembers it.
    public func appliedResult(at index: UInt64) -> AppliedEntry? { recentlyApplied[index] }

    /// Stops taking writes: persisting failed (what is on disk is unknown), or the server stopped.
    /// Every write waiting for its entry is answered with `reason`.
    public mutating func fail(_ reason: String) -> CoreOutput {
        failure = reason
        var output = CoreOutput()
        for index in proposals.keys.sorted() { output.proposals.append((proposals[index]!.token, .failure(.storage(reason)))) }
        proposals = [:]
        return output
    }
}

/// How a fresh server finds its cluster: it introduces itself to the `-join` addresses every
/// tick until it belongs to a configuration, and bootstraps a new cluster once it knows
/// `-bootstrap-expect` servers of which none belongs to one yet.
struct Discovery: Sendable {
    let expect: Int
    let join: [String]
    /// Every server heard of: each gets this server's introduction.
    var known: [NodeID: Server] = [:]
    /// The servers that introduced themselves as founders of a cluster of `expect`: the first
    /// configuration is this server and them.
    var founders: [NodeID: Server] = [:]
    /// Whether some server answered that it already belongs to a cluster.
    var clusterExists = false
}
