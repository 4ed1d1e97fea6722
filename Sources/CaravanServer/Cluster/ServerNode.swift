public import CaravanRaft
public import CaravanState
import CaravanStorage
import NIOPosix
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

    public var description: String {
        switch self {
        case .storage(let reason): "log append failed: \(reason)"
        case .readOnly: "this server is a read-only replay; writes are refused"
        case .noLeader: "No cluster leader"
        case .leadershipLost: "leadership lost while committing"
        case .rejected(let reason): reason
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
    let timing: ClusterTiming
    private let status = Mutex(ClusterStatus())

    var raft: Raft
    private let raftOptions: RaftOptions
    private var machine: StateMachine
    let persistence: RaftPersistence
    private let readOnly: Bool
    var failure: String?

    /// Inputs waiting for the processing loop.
    var inbox: [Input] = []
    private var processing = false
    /// Whether the raft core led at the last look, to notice it stepping down.
    private var wasLeader = false
    /// The term and vote last persisted.
    private var durableVote: (term: UInt64, vote: NodeID) = (0, 0)
    /// Local proposals waiting for their entry to apply, by index, with the term they were proposed in.
    private var proposals: [UInt64: (term: UInt64, waiter: CheckedContinuation<AppliedEntry, any Error>)] = [:]
    /// Followers' forwarded writes this leader proposed, by index: whom to answer.
    private var forwarded: [UInt64: (from: NodeID, requestID: UInt64, term: UInt64)] = [:]
    /// Tasks waiting for the applied index to reach a value.
    private var applyWaiters: [(index: UInt64, waiter: CheckedContinuation<Void, Never>)] = []
    /// Recently applied results, so a follower whose forwarded write the leader applied can
    /// answer with what applying it did.
    private var recentlyApplied: [UInt64: AppliedEntry] = [:]
    private var recentlyAppliedOrder: [UInt64] = []
    /// Requests sent to the leader (forwarded operations and read indexes), by request ID.
    var pendingRequests: [UInt64: (waiter: CheckedContinuation<ForwardResult, Never>, leader: NodeID, isWrite: Bool)] = [:]
    /// The leader the pending requests were last checked against.
    private var requestsLeader: NodeID = 0
    var nextRequestID: UInt64 = 1
    /// Servers this one can address: the configuration's and those met through `Hello`.
    var addressBook: [NodeID: Server] = [:]
    var transport: PeerTransport?
    private var ticker: Task<Void, Never>?
    var discovery: Discovery?

    private let durability: DurabilityOptions
    private var snapshotting = false
    private var snapshotDue: UInt64
    public private(set) var statistics = WriteStatistics()

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
    public init() {
        self.init(
            membership: .standalone(), timing: ClusterTiming(), state: StateSnapshot(), snapshot: nil, entries: [],
            hardState: HardState(), persistence: RaftPersistence(log: MemoryLogStorage(), stable: nil, snapshots: nil, savedVote: nil),
            durability: DurabilityOptions(), readOnly: false)
    }

    /// A server recovered from `directory`: its newest usable snapshot, its log and its vote.
    public init(
        directory: DataDirectory, durability: DurabilityOptions = DurabilityOptions(), membership: ClusterMembership = .standalone(),
        timing: ClusterTiming = ClusterTiming()
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
            durability: durability, readOnly: false, recoveredTornBytes: recovery.log.recoveredTornBytes)
    }

    /// A server that serves `machine`'s state and refuses writes (`caravan replay --serve`).
    public init(readOnlyState machine: StateMachine) {
        self.init(
            membership: .standalone(), timing: ClusterTiming(), state: machine.state, snapshot: nil, entries: [],
            hardState: HardState(), persistence: RaftPersistence(log: MemoryLogStorage(), stable: nil, snapshots: nil, savedVote: nil),
            durability: DurabilityOptions(), readOnly: true)
    }

    private init(
        membership: ClusterMembership, timing: ClusterTiming, state: StateSnapshot, snapshot: Snapshot?, entries: [LogEntry],
        hardState: HardState, persistence: RaftPersistence, durability: DurabilityOptions, readOnly: Bool,
        recoveredTornBytes: Int = 0
    ) {
        self.membership = membership
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
        let standalone = membership.server.raftAddress.isEmpty || (fresh && membership.bootstrapExpect <= 1 && membership.join.isEmpty)
        if raft.configuration.isEmpty, standalone {
            // A server without peers, or a data directory from before raft: a cluster of its own.
            let alone = SnapshotMetadata(
                index: snapshot?.metadata.index ?? 0, term: snapshot?.metadata.term ?? 0, configuration: Configuration([membership.server]))
            raft = Raft(options: options, hardState: hardState, snapshot: Snapshot(metadata: alone, data: snapshot?.data ?? []), entries: entries)
        }
        var machine = StateMachine(state: state)
        if raft.configuration.voters == [raft.id], !readOnly {
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
    private static func catchUpAlone(_ raft: inout Raft, _ machine: inout StateMachine, persistence: RaftPersistence) throws {
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
            let inbound = AsyncStream<[UInt8]>.makeStream()
            transport = try await PeerTransport.start(host: host, port: port) { frame in inbound.continuation.yield(frame) }
            Task { [weak self] in
                for await frame in inbound.stream { await self?.receive(frame) }
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

    /// Stops the clock and the transport.
    public func stop() async {
        ticker?.cancel()
        ticker = nil
        await transport?.shutdown()
        transport = nil
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

    func refreshStatus() {
        abandonRequestsToFormerLeaders()
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

    // MARK: Writes

    /// Commits `command` through the leader and applies it; returns what applying it did here.
    public func submit(_ command: Command) async throws(SubmitError) -> AppliedEntry {
        guard !readOnly else { throw .readOnly }
        let data = command.encoded()
        let deadline = ContinuousClock.now + timing.leaderWait
        while true {
            if let failure { throw .storage(failure) }
            if raft.role == .leader {
                do {
                    return try await withCheckedThrowingContinuation { enqueue(.propose(data, $0)) }
                } catch let error as SubmitError {
                    if case .noLeader = error { continue }
                    throw error
                } catch {
                    throw .storage(String(describing: error))
                }
            }
            switch try await forwardToLeader(.command(data), until: deadline) {
            case .applied(let index):
                await waitUntilApplied(index)
                return recentlyApplied[index] ?? AppliedEntry(index: index, changes: ChangeSet(), result: .success(.none))
            case .failed(let reason):
                throw .storage(reason)
            case .leadershipLost:
                throw .leadershipLost
            case .notLeader:
                continue
            }
        }
    }

    /// Carries out a membership change or a leadership transfer on the leader.
    public func changeMembership(_ operation: ConfigurationChange) async throws(SubmitError) {
        try await runOnLeader(.configuration(operation))
    }

    /// Hands leadership to `target`; returns once the transfer has started.
    public func transferLeadership(to target: NodeID) async throws(SubmitError) {
        try await runOnLeader(.transferLeadership(target))
    }

    private func runOnLeader(_ operation: ForwardedOperation) async throws(SubmitError) {
        guard !readOnly else { throw .readOnly }
        let deadline = ContinuousClock.now + timing.leaderWait
        while true {
            let result: ForwardResult
            if raft.role == .leader {
                result = await withCheckedContinuation { enqueue(.local(operation, $0)) }
            } else {
                result = try await forwardToLeader(operation, until: deadline)
            }
            switch result {
            case .applied(let index):
                await waitUntilApplied(index)
                return
            case .failed(let reason):
                throw .rejected(reason)
            case .leadershipLost:
                throw .leadershipLost
            case .notLeader:
                guard ContinuousClock.now < deadline else { throw .noLeader }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    /// Waits until this server has applied everything the leader had committed when the call
    /// was made (ReadIndex), so a read after it sees every write acknowledged before it.
    public func readBarrier() async throws(SubmitError) {
        if raft.role == .leader || readOnly { return }
        let deadline = ContinuousClock.now + timing.leaderWait
        while true {
            guard try await waitForLeader(until: deadline) else { throw .noLeader }
            if raft.role == .leader { return }
            let requestID = nextRequestID
            nextRequestID += 1
            let result = await request(requestID, leader: raft.leader, isWrite: false, until: deadline) { enqueue(.read(requestID)) }
            if case .applied(let index) = result {
                await waitUntilApplied(index)
                return
            }
            guard ContinuousClock.now < deadline else { throw .noLeader }
        }
    }

    /// Sends `operation` to the leader and waits for its answer, until `deadline`.
    private func forwardToLeader(_ operation: ForwardedOperation, until deadline: ContinuousClock.Instant) async throws(SubmitError)
        -> ForwardResult
    {
        guard try await waitForLeader(until: deadline) else { throw .noLeader }
        if raft.role == .leader { return .notLeader }
        guard let leader = addressBook[raft.leader] else { throw .noLeader }
        let requestID = nextRequestID
        nextRequestID += 1
        let isWrite = if case .command = operation { true } else { false }
        let result = await request(requestID, leader: leader.id, isWrite: isWrite, until: deadline) {
            send(.forward(requestID: requestID, from: raft.id, operation: operation), to: leader)
        }
        if case .notLeader = result, ContinuousClock.now >= deadline { throw .noLeader }
        return result
    }

    /// Registers a request to `leader`, runs `start`, and waits for the answer or the deadline
    /// (answered as `notLeader`). If another leader takes over meanwhile, a write is answered
    /// `leadershipLost` (the old leader may have committed it) and anything else `notLeader`
    /// (ask the new one).
    private func request(
        _ requestID: UInt64, leader: NodeID, isWrite: Bool, until deadline: ContinuousClock.Instant, start: () -> Void
    ) async -> ForwardResult {
        let timeout = Task { [weak self] in
            try? await Task.sleep(until: deadline)
            await self?.answer(requestID, .notLeader)
        }
        defer { timeout.cancel() }
        return await withCheckedContinuation { continuation in
            pendingRequests[requestID] = (continuation, leader, isWrite)
            start()
        }
    }

    func answer(_ requestID: UInt64, _ result: ForwardResult) {
        pendingRequests.removeValue(forKey: requestID)?.waiter.resume(returning: result)
    }

    /// Answers the requests sent to a leader that is no longer the leader.
    private func abandonRequestsToFormerLeaders() {
        guard raft.leader != requestsLeader else { return }
        requestsLeader = raft.leader
        for (requestID, request) in pendingRequests where request.leader != raft.leader {
            answer(requestID, request.isWrite ? .leadershipLost : .notLeader)
        }
    }

    /// Waits until a leader is known, polling the core's view every few milliseconds; false
    /// when the deadline passed without one.
    private func waitForLeader(until deadline: ContinuousClock.Instant) async throws(SubmitError) -> Bool {
        while raft.leader == 0 || (raft.role != .leader && addressBook[raft.leader] == nil) {
            if let failure { throw .storage(failure) }
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    func waitUntilApplied(_ index: UInt64) async {
        guard machine.state.index < index else { return }
        await withCheckedContinuation { applyWaiters.append((index, $0)) }
    }

    // MARK: The processing loop

    func enqueue(_ input: Input) {
        inbox.append(input)
        guard !processing else { return }
        processing = true
        Task { await self.process() }
    }

    private func process() async {
        while failure == nil {
            let inputs = inbox
            inbox = []
            handle(inputs)
            noticeLeadershipLoss()
            guard raft.hasReady else {
                if inbox.isEmpty { break } else { continue }
            }
            let ready = raft.ready()
            let continuesSnapshot = ready.snapshot.map { raft.lastIndex > $0.metadata.index } ?? false
            // A leader sends before it syncs, so its own write overlaps the followers' (thesis
            // §10.2.1): it counts itself towards a quorum only for what it has persisted, and its
            // term and vote were made durable while it was a candidate. Everyone else promises
            // what is on disk, so sends after.
            let sendsFirst =
                raft.role == .leader && ready.hardState.map { $0.term == durableVote.term && $0.vote == durableVote.vote } ?? true
            if sendsFirst { send(ready.messages) }
            do {
                _ = try await persistence.persist(
                    snapshot: ready.snapshot, entries: ready.entries, hardState: ready.hardState, logContinuesSnapshot: continuesSnapshot)
            } catch {
                fail(String(describing: error))
                break
            }
            if let hardState = ready.hardState { durableVote = (hardState.term, hardState.vote) }
            if !ready.entries.isEmpty {
                statistics.batches += 1
                statistics.entries += ready.entries.count
            }
            if !sendsFirst { send(ready.messages) }
            if let snapshot = ready.snapshot { install(snapshot) }
            apply(ready.committedEntries)
            for read in ready.readStates { answer(read.requestID, .applied(read.index)) }
            raft.advance(ready)
            noticeLeadershipLoss()
            refreshStatus()
            snapshotIfDue()
        }
        processing = false
        refreshStatus()
    }

    private func handle(_ inputs: [Input]) {
        var commands: [[UInt8]] = []
        var waiters: [CheckedContinuation<AppliedEntry, any Error>] = []
        var origins: [(from: NodeID, requestID: UInt64)?] = []
        for input in inputs {
            switch input {
            case .message(let message):
                let leaderBefore = raft.leader
                raft.step(message)
                if message.from == raft.leader, raft.leader != 0 || leaderBefore != 0 { noteLeaderContact() }
            case .tick:
                raft.tick()
                tickDiscovery()
            case .propose(let data, let waiter):
                commands.append(data)
                waiters.append(waiter)
                origins.append(nil)
            case .forwarded(let from, let requestID, .command(let data)):
                commands.append(data)
                origins.append((from, requestID))
            case .forwarded(let from, let requestID, let operation):
                let result = carryOut(operation)
                if let peer = addressBook[from] { send(.forwardResult(requestID: requestID, result: result), to: peer) }
            case .local(let operation, let waiter):
                let result = carryOut(operation)
                waiter?.resume(returning: result)
            case .read(let requestID):
                do {
                    try raft.requestRead(requestID)
                } catch {
                    answer(requestID, .notLeader)
                }
            }
        }
        guard !commands.isEmpty else { return }
        do {
            var index = try raft.propose(commands)
            var nextWaiter = 0
            for origin in origins {
                if let origin {
                    forwarded[index] = (origin.from, origin.requestID, raft.term)
                } else {
                    proposals[index] = (raft.term, waiters[nextWaiter])
                    nextWaiter += 1
                }
                index += 1
            }
        } catch {
            for waiter in waiters { waiter.resume(throwing: SubmitError.noLeader) }
            for case let origin? in origins {
                if let peer = addressBook[origin.from] { send(.forwardResult(requestID: origin.requestID, result: .notLeader), to: peer) }
            }
        }
    }

    /// Starts a membership change or transfer on this server, which should be the leader.
    private func carryOut(_ operation: ForwardedOperation) -> ForwardResult {
        do {
            switch operation {
            case .command:
                return .failed("commands are proposed in batches")
            case .configuration(let change):
                if case .addNonvoter(let server) = change { addressBook[server.id] = server }
                return .applied(try raft.proposeConfigurationChange(change))
            case .transferLeadership(let target):
                try raft.transferLeadership(to: target)
                return .applied(0)
            }
        } catch {
            switch error {
            case .notLeader: return .notLeader
            case .transferring: return .failed("a leadership transfer is in progress")
            case .configuration(let reason): return .failed(reason)
            }
        }
    }

    /// When this server stops leading, the writes it proposed and has not applied get
    /// "leadership lost" (they may still commit under the next leader, or not), as
    /// hashicorp/raft answers pending futures; forwarded ones are answered the same way, so that
    /// a follower does not retry a write that may yet apply.
    private func noticeLeadershipLoss() {
        let isLeader = raft.role == .leader
        defer { wasLeader = isLeader }
        guard wasLeader, !isLeader else { return }
        for (_, proposal) in proposals { proposal.waiter.resume(throwing: SubmitError.leadershipLost) }
        proposals = [:]
        for (_, origin) in forwarded {
            if let peer = addressBook[origin.from] {
                send(.forwardResult(requestID: origin.requestID, result: .leadershipLost), to: peer)
            }
        }
        forwarded = [:]
    }

    private func fail(_ reason: String) {
        failure = reason
        for (_, proposal) in proposals { proposal.waiter.resume(throwing: SubmitError.storage(reason)) }
        proposals = [:]
        for input in inbox {
            if case .propose(_, let waiter) = input { waiter.resume(throwing: SubmitError.storage(reason)) }
        }
        inbox = []
    }

    // MARK: Applying

    private func apply(_ entries: [LogEntry]) {
        guard !entries.isEmpty else { return }
        for entry in entries {
            let applied = machine.apply(entry)
            if entry.kind == .configuration, let configuration = try? Configuration(decoding: entry.data) {
                for server in configuration.servers { addressBook[server.id] = server }
            }
            store.publish(machine.state, changes: applied.changes)
            if let proposal = proposals.removeValue(forKey: entry.index) {
                if proposal.term == entry.term {
                    proposal.waiter.resume(returning: applied)
                } else {
                    proposal.waiter.resume(throwing: SubmitError.leadershipLost)
                }
            }
            if let origin = forwarded.removeValue(forKey: entry.index), let peer = addressBook[origin.from] {
                let result: ForwardResult = origin.term == entry.term ? .applied(entry.index) : .leadershipLost
                send(.forwardResult(requestID: origin.requestID, result: result), to: peer)
            }
            remember(applied)
        }
        releaseApplyWaiters()
    }

    private func remember(_ applied: AppliedEntry) {
        guard membership.bootstrapExpect > 1 || !membership.join.isEmpty || raft.configuration.servers.count > 1 else { return }
        recentlyApplied[applied.index] = applied
        recentlyAppliedOrder.append(applied.index)
        if recentlyAppliedOrder.count > 8192 {
            for index in recentlyAppliedOrder.prefix(4096) { recentlyApplied[index] = nil }
            recentlyAppliedOrder.removeFirst(4096)
        }
    }

    private func releaseApplyWaiters() {
        let applied = machine.state.index
        guard applyWaiters.contains(where: { $0.index <= applied }) else { return }
        var waiting: [(index: UInt64, waiter: CheckedContinuation<Void, Never>)] = []
        for item in applyWaiters {
            if item.index <= applied { item.waiter.resume() } else { waiting.append(item) }
        }
        applyWaiters = waiting
    }

    /// Replaces the state with a snapshot the leader sent.
    private func install(_ snapshot: Snapshot) {
        do {
            let stored = try SnapshotStore.decode(snapshot.data)
            machine = StateMachine(state: try StateSnapshot(decoding: stored.state))
        } catch {
            fail("installing the snapshot at index \(snapshot.metadata.index): \(error)")
            return
        }
        for server in snapshot.metadata.configuration.servers { addressBook[server.id] = server }
        store.restore(machine.state)
        statistics.snapshotsInstalled += 1
        statistics.lastSnapshotIndex = snapshot.metadata.index
        snapshotDue = snapshot.metadata.index + durability.snapshotInterval
        for (index, proposal) in proposals where index <= snapshot.metadata.index {
            proposal.waiter.resume(throwing: SubmitError.leadershipLost)
            proposals[index] = nil
        }
        releaseApplyWaiters()
    }

    // MARK: Snapshots

    private func snapshotIfDue() {
        guard let snapshots = persistence.snapshots, !snapshotting, machine.halt == nil, machine.state.index >= snapshotDue else { return }
        snapshotting = true
        let state = machine.state
        let metadata = snapshotMetadata(for: state.index)
        let (persistence, trailing) = (persistence, durability.trailingEntries)
        Task {
            let result: Result<[UInt8], any Error>
            do {
                result = .success(
                    try await NIOThreadPool.singleton.runIfActive {
                        try Self.writeSnapshot(state, metadata: metadata, to: snapshots, compacting: persistence, keeping: trailing)
                    })
            } catch {
                result = .failure(error)
            }
            self.snapshotFinished(metadata: metadata, result)
        }
    }

    /// The snapshot metadata for the applied state at `index`: its term and the configuration then.
    private func snapshotMetadata(for index: UInt64) -> SnapshotMetadata {
        SnapshotMetadata(index: index, term: raft.entry(at: index)?.term ?? raft.term, configuration: raft.configuration)
    }

    private func snapshotFinished(metadata: SnapshotMetadata, _ result: Result<[UInt8], any Error>) {
        snapshotting = false
        snapshotDue = max(snapshotDue, metadata.index + durability.snapshotInterval)
        switch result {
        case .success(let frame):
            statistics.snapshots += 1
            statistics.lastSnapshotIndex = metadata.index
            statistics.lastSnapshotError = nil
            let trailing = metadata.index > durability.trailingEntries ? metadata.index - durability.trailingEntries : 0
            raft.snapshotTaken(Snapshot(metadata: metadata, data: frame), compactingThrough: trailing)
        case .failure(let error):
            statistics.lastSnapshotError = String(describing: error)
        }
        snapshotIfDue()
    }

    /// Saves `state` as a snapshot, then lets the log drop what it covers but `trailing` entries.
    private static func writeSnapshot(
        _ state: StateSnapshot, metadata: SnapshotMetadata, to snapshots: SnapshotStore, compacting persistence: RaftPersistence,
        keeping trailing: UInt64
    ) throws -> [UInt8] {
        let frame = try snapshots.save(index: metadata.index, term: metadata.term, configuration: metadata.configuration, state: state.encoded())
            .frame
        if state.index > trailing { try persistence.compact(through: state.index - trailing) }
        return frame
    }

    /// Takes a snapshot now, in the caller's task; for tests and `caravan operator`.
    public func snapshotNow() throws {
        guard let snapshots = persistence.snapshots else { return }
        let state = machine.state
        let metadata = snapshotMetadata(for: state.index)
        let frame = try Self.writeSnapshot(state, metadata: metadata, to: snapshots, compacting: persistence, keeping: durability.trailingEntries)
        statistics.snapshots += 1
        statistics.lastSnapshotIndex = state.index
        snapshotDue = state.index + durability.snapshotInterval
        let trailing = state.index > durability.trailingEntries ? state.index - durability.trailingEntries : 0
        raft.snapshotTaken(Snapshot(metadata: metadata, data: frame), compactingThrough: trailing)
    }
}
