public import CaravanAdmission
import CaravanConfig
public import CaravanCore
public import CaravanDurability
public import CaravanEvents
import CaravanRaft
public import CaravanState
import CaravanStorage
import Foundation
import Synchronization

/// One Caravan server in real time: the async shell around its ``ServerCore``, which makes every
/// decision. The shell owns the I/O and the waiting: the inbox, the clock's ticks, the peer
/// transport, the disk (persisting on NIO's blocking pool), the state readers see, and the
/// tasks of the HTTP requests waiting for an answer.
///
/// Every input — a write, a peer's message, a tick — goes into the inbox; one processing loop
/// hands the inbox to the core as a batch, then persists, sends and applies what the core hands
/// out, publishing each new state version and waking the blocking queries it concerns. Inputs
/// that arrive while a batch is being persisted wait in the inbox and go out together in the next
/// batch: group commit. A write returns only once its entry is committed and applied. Followers
/// forward writes to the leader over the peer transport.
///
/// A server that is a cluster of its own (`-dev`) runs the same code with no peers.
public actor ServerNode {
    public nonisolated let store: StateStore
    /// The events of the entries this server applied since it started from its snapshot (or
    /// installed one), for the event stream; at most ``ServerLimits/eventBatches`` batches and
    /// nothing the log no longer holds.
    public nonisolated let events: EventJournal
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
    /// The bounds on the queues below and on what the API caches and parks.
    public nonisolated let limits: ServerLimits
    /// Refused frames and peers, at most a line per kind every ten seconds.
    nonisolated let peerLog: RateLimitedLog
    let timing: ClusterTiming
    let status = Mutex(ClusterStatus())

    var core: ServerCore
    let persistence: RaftPersistence
    let readOnly: Bool

    /// Inputs waiting for the processing loop; at most ``ServerLimits/inbox``.
    var inbox: [CoreInput] = []
    var processing = false
    /// Tasks waiting for the processing loop to go idle (a graceful stop).
    var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// Writes proposed on this server, by token, waiting for their entry to apply.
    var proposalWaiters: [UInt64: CheckedContinuation<AppliedEntry, any Error>] = [:]
    /// Membership changes and transfers started on this server, by token.
    var operationWaiters: [UInt64: CheckedContinuation<ForwardResult, Never>] = [:]
    /// Requests sent to the leader (forwarded operations and read indexes), by request ID; at
    /// most ``ServerLimits/pendingRequests``.
    var requestWaiters: [UInt64: CheckedContinuation<ForwardResult, Never>] = [:]
    /// Tasks waiting for the applied index to reach a value.
    var applyWaiters: [(id: UInt64, index: UInt64, waiter: CheckedContinuation<Void, Never>)] = []
    /// Writes, membership changes, transfers and reads through the leader under way, each of
    /// which waits for this server to apply an index; at most ``ServerLimits/applyWaiters``, so
    /// ``applyWaiters``, ``proposalWaiters`` and ``operationWaiters`` hold no more.
    var applyReservations = 0
    /// Tasks waiting for a leader to be known, by waiter ID; at most ``ServerLimits/leaderWaiters``.
    var leaderWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    /// Names the shell's waiters.
    var nextToken: UInt64 = 1
    var transport: PeerTransport?
    var ticker: Task<Void, Never>?

    // MARK: Starting

    /// A server whose log lives in memory and which is a cluster of its own (`caravan agent -dev`).
    public init(
        admission: Admission = Admission(aclEnabled: false), clock: @escaping @Sendable () -> Int64 = ServerNode.wallClock,
        limits: ServerLimits = ServerLimits()
    ) {
        self.init(
            membership: .standalone(), timing: ClusterTiming(), start: ServerCore.Start(),
            persistence: RaftPersistence(log: MemoryLogStorage(), stable: nil, snapshots: nil, savedVote: nil),
            durability: DurabilityOptions(), readOnly: false, admission: admission, clock: clock, peers: PeerTransportOptions(), limits: limits)
    }

    /// A server recovered from `directory`: its newest usable snapshot, its log and its vote.
    public init(
        directory: DataDirectory, durability: DurabilityOptions = DurabilityOptions(), membership: ClusterMembership = .standalone(),
        timing: ClusterTiming = ClusterTiming(), admission: Admission = Admission(aclEnabled: false),
        clock: @escaping @Sendable () -> Int64 = ServerNode.wallClock, peers: PeerTransportOptions = PeerTransportOptions(),
        limits: ServerLimits = ServerLimits()
    ) throws(RecoveryError) {
        let recovery = try directory.recoverForRaft(options: durability.wal)
        self.init(
            membership: membership, timing: timing, start: ServerCore.Start(recovery: recovery),
            persistence: RaftPersistence(log: recovery.log, stable: directory.stable, snapshots: directory.snapshots, savedVote: recovery.termAndVote),
            durability: durability, readOnly: false, admission: admission, clock: clock, peers: peers, limits: limits,
            recoveredTornBytes: recovery.log.recoveredTornBytes)
    }

    /// A server that serves `machine`'s state and refuses writes (`caravan replay --serve`).
    public init(readOnlyState machine: StateMachine, admission: Admission = Admission(aclEnabled: false)) {
        self.init(
            membership: .standalone(), timing: ClusterTiming(), start: ServerCore.Start(state: machine.state),
            persistence: RaftPersistence(log: MemoryLogStorage(), stable: nil, snapshots: nil, savedVote: nil),
            durability: DurabilityOptions(), readOnly: true, admission: admission, clock: ServerNode.wallClock, peers: PeerTransportOptions(),
            limits: ServerLimits())
    }

    private init(
        membership: ClusterMembership, timing: ClusterTiming, start: ServerCore.Start, persistence: RaftPersistence,
        durability: DurabilityOptions, readOnly: Bool, admission: Admission, clock: @escaping @Sendable () -> Int64,
        peers: PeerTransportOptions, limits: ServerLimits, recoveredTornBytes: Int = 0
    ) {
        self.membership = membership
        self.admission = admission
        self.clock = clock
        self.peerOptions = peers
        self.limits = limits
        self.peerLog = RateLimitedLog(logger: peers.logger)
        self.timing = timing
        self.recoveredTornBytes = recoveredTornBytes
        self.persistence = persistence
        self.readOnly = readOnly
        var core = ServerCore(
            membership: membership, admission: admission, durability: durability, electionTicks: timing.electionTicks,
            randomSeed: UInt64.random(in: 1...UInt64.max), start: start, takesSnapshots: persistence.snapshots != nil, readOnly: readOnly
        ) { entries, hardState in
            try persistence.persistNow(entries: entries, hardState: hardState)
        }
        let events = EventJournal(after: core.machine.state.index, capacity: limits.eventBatches)
        Self.catchUp(&core, persistence: persistence, events: events)
        self.core = core
        self.events = events
        store = StateStore(core.machine.state)
        // A read-only replay leads its own view: it answers every read itself.
        let role = readOnly ? Role.leader : core.raft.role
        let (configuration, commit, applied, last) = (core.raft.configuration, core.raft.commitIndex, core.machine.state.index, core.raft.lastIndex)
        status.withLock { status in
            status.role = role
            status.configuration = configuration
            status.leader = role == .leader ? membership.server : nil
            status.commitIndex = commit
            status.appliedIndex = applied
            status.lastLogIndex = last
        }
    }

    /// Processes what the core has to do before the server serves anything: a server alone in its
    /// configuration elects itself and applies its whole log here, so a restart shows the state
    /// it stopped with, and its journal holds the events of the entries after its snapshot.
    private static func catchUp(_ core: inout ServerCore, persistence: RaftPersistence, events: EventJournal) {
        var state = core.machine.state
        while let work = core.nextReady() {
            do {
                try persistence.persistNow(entries: work.entries, hardState: work.hardState)
            } catch {
                _ = core.fail(String(describing: error))
                return
            }
            var output = core.persisted(work, installed: nil)
            events.record(output, after: &state)
            while let job = output.snapshot, let snapshots = persistence.snapshots {
                output = core.snapshotWritten(job, frame: Result { try Self.write(job, to: snapshots, compacting: persistence) })
                if job.compactThrough > 0 { events.trim(through: job.compactThrough) }
            }
        }
    }

    /// Starts the clock and, for a server with peers, the transport on `membership.server.raftAddress`.
    public func start() async throws {
        guard ticker == nil, !readOnly else { return }
        if !membership.server.raftAddress.isEmpty, let (host, port) = AgentSettings.parseAddress(membership.server.raftAddress) {
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
                await self?.tick()
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
    public var appliedIndex: UInt64 { core.machine.state.index }

    /// The index of the last entry in the log.
    public var lastLogIndex: UInt64 { core.raft.lastIndex }

    /// Counters of the write path.
    public var statistics: WriteStatistics { core.statistics }

    /// Why this server refuses writes, if it does.
    var failure: String? { core.failure }

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
        perform(core.abandonRequestsToFormerLeaders())
        if core.knowsLeader, !leaderWaiters.isEmpty { wakeLeaderWaiters() }
        let raft = core.raft
        let (leader, applied) = (core.leader, core.machine.state.index)
        status.withLock { status in
            if raft.role == .leader || (raft.leader != 0 && status.leader?.id != raft.leader) { status.lastContact = .now }
            status.role = raft.role
            status.term = raft.term
            status.leader = leader
            status.configuration = raft.configuration
            status.commitIndex = raft.commitIndex
            status.appliedIndex = applied
            status.lastLogIndex = raft.lastIndex
        }
    }

    func noteLeaderContact() {
        status.withLock { $0.lastContact = .now }
    }

    func countAppends(_ frames: [(frame: PeerFrame, to: Server)]) {
        var (appends, entries) = (0, 0)
        for (frame, _) in frames {
            if case .raft(let message) = frame, message.kind == .append {
                appends += 1
                entries += message.entries.count
            }
        }
        guard appends > 0 else { return }
        status.withLock {
            $0.appendMessages += appends
            $0.appendedEntries += entries
        }
    }

    /// A new name for a waiter.
    func newToken() -> UInt64 {
        defer { nextToken += 1 }
        return nextToken
    }
}
