public import CaravanAdmission
public import CaravanDurability
import CaravanRaft
public import CaravanState
import CaravanStorage
import Foundation
import Synchronization

/// Why a write (or a read that must see the leader's state) could not be carried out.
public enum SubmitError: Error, Sendable, CustomStringConvertible {
    /// The log could not be appended to; the server refuses writes from then on, since what
    /// is on disk is no longer known.
    case storage(String)
    /// This server serves a read-only view (`caravan replay --serve`).
    case readOnly
    /// No leader was known within the bounded wait.
    case noLeader
    /// The leader that took the write lost its leadership before the write committed; the
    /// write may or may not have been applied.
    case leadershipLost
    /// A membership change or transfer was refused.
    case rejected(String)
    /// The write was refused before it was proposed (by this server or by the leader): invalid,
    /// not allowed, or about a missing object.
    case refused(AdmissionError)

    public var description: String {
        switch self {
        case .storage(let reason): "log append failed: \(reason)"
        case .readOnly: "this server is a read-only replay; writes are refused"
        case .noLeader: "No cluster leader"
        case .leadershipLost: "leadership lost while committing"
        case .rejected(let reason): reason
        case .refused(let error): error.message
        }
    }
}

/// Counters of the write path, for `/v1/agent/self`.
public struct WriteStatistics: Sendable {
    /// Log appends (each one write and one sync on a durable server).
    public var batches = 0
    public var entries = 0
    public var snapshots = 0
    /// Snapshots received from the leader and installed (a follower that fell behind the
    /// compacted log).
    public var snapshotsInstalled = 0
    public var lastSnapshotIndex: UInt64 = 0
    /// Why the last background snapshot failed, if it did (the server retries an interval later).
    public var lastSnapshotError: String?
}

/// One Caravan server: the raft core, its log and state machine, and the state readers see.
///
/// Every input — a write, a peer's message, a tick of the clock — goes into an inbox; one
/// processing loop steps the inbox into the raft core, persists what the core hands out
/// (entries, term and vote, snapshots), sends its messages, applies committed entries to the
/// state machine and publishes each new state version, waking the blocking queries it concerns.
/// Inputs that arrive while a batch is being persisted wait in the inbox and go out together
/// in the next batch: group commit. A write returns only once its entry is committed and
/// applied. Followers forward writes to the leader over the peer transport.
///
/// A server that is a cluster of its own (`-dev`) runs the same code with no peers.
public actor ServerNode {
    public nonisolated let store: StateStore
    /// Bytes of torn log tail (a batch a crash interrupted, never acknowledged) that start-up
    /// dropped; 0 after a clean stop.
    public nonisolated let recoveredTornBytes: Int
    public nonisolated let membership: ClusterMembership
    /// What a write must pass before it is proposed: run by the API on the server a request
    /// reaches, and by the leader on every write a follower forwards.
    public nonisolated let admission: Admission
    /// Unix nanoseconds now, for the leader's checks of forwarded writes (token expiry).
    nonisolated let clock: @Sendable () -> Int64
    /// The raft port's TLS and limits.
    nonisolated let peerOptions: PeerTransportOptions
    /// Refused frames and peers, at most a line per kind every ten seconds.
    nonisolated let peerLog: RateLimitedLog
    let timing: ClusterTiming
    let status = Mutex(ClusterStatus())

    var raft: Raft
    let raftOptions: RaftOptions
    var machine: StateMachine
    let persistence: RaftPersistence
    let readOnly: Bool
    var failure: String?

    /// Inputs waiting for the processing loop.
    var inbox: [Input] = []
    var processing = false
    /// Tasks waiting for the processing loop to go idle (a graceful stop).
    var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// Whether the raft core led at the last look, to notice it stepping down.
    var wasLeader = false
    /// The term and vote last persisted.
    var durableVote: (term: UInt64, vote: NodeID) = (0, 0)
    /// Local proposals waiting for their entry to apply, by index, with the term they were proposed in.
    var proposals: [UInt64: (term: UInt64, waiter: CheckedContinuation<AppliedEntry, any Error>)] = [:]
    /// Followers' forwarded writes this leader proposed, by index: whom to answer.
    var forwarded: [UInt64: (from: NodeID, requestID: UInt64, term: UInt64)] = [:]
    /// Tasks waiting for the applied index to reach a value.
    var applyWaiters: [(id: UInt64, index: UInt64, waiter: CheckedContinuation<Void, Never>)] = []
    /// Recently applied results, so a follower whose forwarded write the leader applied can
    /// answer with what applying it did.
    var recentlyApplied: [UInt64: AppliedEntry] = [:]
    var recentlyAppliedOrder: [UInt64] = []
    /// Requests sent to the leader (forwarded operations and read indexes), by request ID.
    /// Tasks waiting for a leader to be known, by waiter ID.
    var leaderWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    var pendingRequests: [UInt64: (waiter: CheckedContinuation<ForwardResult, Never>, leader: NodeID, isWrite: Bool)] = [:]
    /// The leader the pending requests were last checked against.
    var requestsLeader: NodeID = 0
    /// Starts at a random value: an answer to a forwarded request must name an ID that was
    /// actually sent, which nobody outside the server can predict.
    var nextRequestID = UInt64.random(in: 1...(UInt64.max / 2))
    /// Servers this one can address: the configuration's and those met through `Hello`.
    var addressBook: [NodeID: Server] = [:]
    var transport: PeerTransport?
    var ticker: Task<Void, Never>?
    var discovery: Discovery?

    let durability: DurabilityOptions
    var snapshotting = false
    var snapshotDue: UInt64
    public internal(set) var statistics = WriteStatistics()

    /// One input to the processing loop.
    enum Input {
        case message(Message)
        case tick
        case propose([UInt8], CheckedContinuation<AppliedEntry, any Error>)
        case forwarded(from: NodeID, requestID: UInt64, operation: ForwardedOperation)
        /// An operation started on this server; the waiter (if any) gets the outcome.
        case local(ForwardedOperation, CheckedContinuation<ForwardResult, Never>?)
        case read(UInt64)
    }

    // MARK: Starting

    /// A server whose log lives in memory and which is a cluster of its own (`caravan agent -dev`).
    public init(admission: Admission = Admission(aclEnabled: false), clock: @escaping @Sendable () -> Int64 = ServerNode.wallClock) {
        self.init(
            membership: .standalone(), timing: ClusterTiming(), state: StateSnapshot(), snapshot: nil, entries: [],
            hardState: HardState(), persistence: RaftPersistence(log: MemoryLogStorage(), stable: nil, snapshots: nil, savedVote: nil),
            durability: DurabilityOptions(), readOnly: false, admission: admission, clock: clock, peers: PeerTransportOptions())
    }

    /// A server recovered from `directory`: its newest usable snapshot, its log and its vote.
    public init(
        directory: DataDirectory, durability: DurabilityOptions = DurabilityOptions(), membership: ClusterMembership = .standalone(),
        timing: ClusterTiming = ClusterTiming(), admission: Admission = Admission(aclEnabled: false),
        clock: @escaping @Sendable () -> Int64 = ServerNode.wallClock, peers: PeerTransportOptions = PeerTransportOptions()
    ) throws(RecoveryError) {
        let recovery = try directory.recoverForRaft(options: durability.wal)
        let snapshot = recovery.snapshot.map {
            Snapshot(metadata: SnapshotMetadata(index: $0.index, term: $0.term, configuration: $0.configuration), data: $0.frame)
        }
        let vote = recovery.termAndVote
        self.init(
            membership: membership, timing: timing, state: recovery.state, snapshot: snapshot, entries: recovery.entries,
            hardState: HardState(term: vote?.term ?? 0, vote: vote.flatMap { NodeID($0.votedFor) } ?? 0, commit: 0),
            persistence: RaftPersistence(log: recovery.log, stable: directory.stable, snapshots: directory.snapshots, savedVote: vote),
            durability: durability, readOnly: false, admission: admission, clock: clock, peers: peers,
            recoveredTornBytes: recovery.log.recoveredTornBytes)
    }

    /// A server that serves `machine`'s state and refuses writes (`caravan replay --serve`).
    public init(readOnlyState machine: StateMachine, admission: Admission = Admission(aclEnabled: false)) {
        self.init(
            membership: .standalone(), timing: ClusterTiming(), state: machine.state, snapshot: nil, entries: [],
            hardState: HardState(), persistence: RaftPersistence(log: MemoryLogStorage(), stable: nil, snapshots: nil, savedVote: nil),
            durability: DurabilityOptions(), readOnly: true, admission: admission, clock: ServerNode.wallClock,
            peers: PeerTransportOptions())
    }

    private init(
        membership: ClusterMembership, timing: ClusterTiming, state: StateSnapshot, snapshot: Snapshot?, entries: [LogEntry],
        hardState: HardState, persistence: RaftPersistence, durability: DurabilityOptions, readOnly: Bool,
        admission: Admission, clock: @escaping @Sendable () -> Int64, peers: PeerTransportOptions, recoveredTornBytes: Int = 0
    ) {
        self.membership = membership
        self.admission = admission
        self.clock = clock
        self.peerOptions = peers
        self.peerLog = RateLimitedLog(logger: peers.logger)
        self.timing = timing
        self.recoveredTornBytes = recoveredTornBytes
        self.persistence = persistence
        self.durability = durability
        self.readOnly = readOnly
        statistics.lastSnapshotIndex = snapshot?.metadata.index ?? 0
        snapshotDue = (snapshot?.metadata.index ?? 0) + durability.snapshotInterval
        var options = RaftOptions(id: membership.server.id, randomSeed: UInt64.random(in: 1...UInt64.max))
        options.electionTicks = timing.electionTicks
        raftOptions = options
        var raft = Raft(options: options, hardState: hardState, snapshot: snapshot, entries: entries)
        let fresh = snapshot == nil && entries.isEmpty
        let foundsAlone = membership.bootstrapExpect <= 1 && membership.join.isEmpty
        var bootstrapFailure: String?
        if raft.configuration.isEmpty, !membership.server.raftAddress.isEmpty, fresh, foundsAlone, !readOnly {
            // A one-server raft cluster writes its configuration into its log, as founders of a
            // larger one do, so that a restart finds it there (with any flags).
            let (bootstrapState, bootstrapEntries) = Raft.bootstrap(Configuration([membership.server]))
            do {
                try persistence.persistNow(entries: bootstrapEntries, hardState: bootstrapState)
                raft = Raft(options: options, hardState: bootstrapState, snapshot: nil, entries: bootstrapEntries)
            } catch {
                bootstrapFailure = "bootstrapping the cluster: \(error)"
            }
        } else if raft.configuration.isEmpty, membership.server.raftAddress.isEmpty || foundsAlone {
            // A server without peers, or a data directory from before raft, or a one-server raft
            // cluster of a build that did not write its configuration: a cluster of its own.
            let alone = SnapshotMetadata(
                index: snapshot?.metadata.index ?? 0, term: snapshot?.metadata.term ?? 0, configuration: Configuration([membership.server]))
            raft = Raft(options: options, hardState: hardState, snapshot: Snapshot(metadata: alone, data: snapshot?.data ?? []), entries: entries)
        }
        var machine = StateMachine(state: state)
        failure = bootstrapFailure
        if raft.configuration.voters == [raft.id], !readOnly, failure == nil {
            do {
                try Self.catchUpAlone(&raft, &machine, persistence: persistence)
            } catch {
                failure = String(describing: error)
            }
        }
        self.raft = raft
        self.machine = machine
        durableVote = (raft.term, raft.vote)
        store = StateStore(machine.state)
        if raft.configuration.isEmpty {
            discovery = Discovery(expect: membership.bootstrapExpect, join: membership.join)
        }
        var addresses: [NodeID: Server] = [:]
        for server in raft.configuration.servers { addresses[server.id] = server }
        addressBook = addresses
        // A read-only replay leads its own view: it answers every read itself.
        let role = readOnly ? Role.leader : raft.role
        let configuration = raft.configuration
        let (commit, applied, last) = (raft.commitIndex, machine.state.index, raft.lastIndex)
        status.withLock { status in
            status.role = role
            status.configuration = configuration
            status.leader = role == .leader ? membership.server : nil
            status.commitIndex = commit
            status.appliedIndex = applied
            status.lastLogIndex = last
        }
    }

    /// A server alone in its configuration elects itself and applies its whole log before it
    /// serves anything, so a restart shows the state it stopped with.
    static func catchUpAlone(_ raft: inout Raft, _ machine: inout StateMachine, persistence: RaftPersistence) throws {
        raft.campaign()
        while raft.hasReady {
            let ready = raft.ready()
            try persistence.persistNow(entries: ready.entries, hardState: ready.hardState)
            for entry in ready.committedEntries {
                _ = machine.apply(entry)
            }
            raft.advance(ready)
        }
    }

    /// Starts the clock and, for a server with peers, the transport on `membership.server.raftAddress`.
    public func start() async throws {
        guard ticker == nil, !readOnly else { return }
        if !membership.server.raftAddress.isEmpty, let (host, port) = AgentConfiguration.parseAddress(membership.server.raftAddress) {
            let inbound = AsyncStream<([UInt8], PeerConnection)>.makeStream()
            transport = try await PeerTransport.start(
                host: host, port: port, tls: peerOptions.tls, limits: peerOptions.limits, logger: peerOptions.logger
            ) { frame, connection in
                inbound.continuation.yield((frame, connection))
            }
            Task { [weak self] in
                for await (frame, connection) in inbound.stream { await self?.receive(frame, from: connection) }
            }
        }
        let interval = timing.heartbeatInterval
        ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self?.enqueue(.tick)
            }
        }
    }

    /// Stops the server gracefully: the clock and the transport stop, the batch being persisted
    /// finishes (its writers get their answers), the log is closed, and later writes are
    /// refused. Call it once no request can arrive any more (the HTTP server has stopped).
    public func stop() async {
        ticker?.cancel()
        ticker = nil
        await transport?.shutdown()
        transport = nil
        while processing {
            await withCheckedContinuation { idleWaiters.append($0) }
        }
        persistence.close()
        if failure == nil { fail("the server has stopped") }
    }

    // MARK: Status

    /// What this server knows of the cluster, as of its last step.
    public nonisolated var clusterStatus: ClusterStatus { status.withLock { $0 } }

    /// The index of the last applied entry.
    public var appliedIndex: UInt64 { machine.state.index }

    /// The index of the last entry in the log.
    public var lastLogIndex: UInt64 { raft.lastIndex }

    /// Whether writes go to disk.
    public nonisolated var isDurable: Bool { persistence.isDurable }

    /// Connections and frames the raft port refused so far: over a limit, failing TLS, silent,
    /// oversized, undecodable, or naming another sender than their connection did.
    public var raftPortRefusals: Int { peerLog.count + (transport?.refusedConnections ?? 0) }

    /// Whether this server serves a replay and refuses every write.
    public nonisolated var isReadOnly: Bool { readOnly }

    /// Unix nanoseconds now, from the system's wall clock.
    public static let wallClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1e9) }

    func refreshStatus() {
        abandonRequestsToFormerLeaders()
        if knowsLeader, !leaderWaiters.isEmpty { wakeLeaderWaiters() }
        let leader = raft.leader == 0 ? nil : (raft.configuration.server(raft.leader) ?? addressBook[raft.leader])
        status.withLock { status in
            if raft.role == .leader || (raft.leader != 0 && status.leader?.id != raft.leader) { status.lastContact = .now }
            status.role = raft.role
            status.term = raft.term
            status.leader = leader
            status.configuration = raft.configuration
            status.commitIndex = raft.commitIndex
            status.appliedIndex = machine.state.index
            status.lastLogIndex = raft.lastIndex
        }
    }

    func noteLeaderContact() {
        status.withLock { $0.lastContact = .now }
    }

    func countAppends(_ messages: Int, entries: Int) {
        status.withLock {
            $0.appendMessages += messages
            $0.appendedEntries += entries
        }
    }

    /// Starts a new cluster: persists the same first entry every founding server writes, and
    /// restarts the raft core from it.
    func bootstrap(_ configuration: Configuration) {
        let (hardState, entries) = Raft.bootstrap(configuration)
        do {
            try persistence.persistNow(entries: entries, hardState: hardState)
        } catch {
            fail("bootstrapping the cluster: \(error)")
            return
        }
        raft = Raft(options: raftOptions, hardState: hardState, snapshot: nil, entries: entries)
        durableVote = (hardState.term, hardState.vote)
        for server in configuration.servers { addressBook[server.id] = server }
        discovery = nil
        refreshStatus()
    }
}
