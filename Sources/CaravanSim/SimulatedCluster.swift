import CaravanCore
import CaravanRaft
import CaravanState

/// A whole cluster and its users inside one process, advanced one tick at a time: the servers,
/// the network between them, writers, consistent readers, long-poll clients and event-stream
/// subscribers, the faults the run's profile injects, and the checkers that watch all of it.
/// Everything that varies comes from one seeded generator, so a seed replays the same run, event
/// for event.
struct SimulatedCluster {
    /// Virtual nanoseconds per tick (a 100 ms heartbeat).
    static let tickNanoseconds: Int64 = 100_000_000
    static let epoch: Int64 = 1_764_000_000_000_000_000
    /// The client nodes writers register and readers read, one register each: at least 16,
    /// and one per two clients, so that the concurrency on one key stays checkable.
    let keys: Int
    /// More messages in flight than this is a storm: the run fails instead of exhausting memory.
    static let maximumInFlight = 100_000
    /// Ticks a writer or reader waits for its answer before giving up.
    static let requestTimeout: UInt64 = 60
    /// Mixed into the run's seed to seed the outage stream.
    static let outageStream: UInt64 = 0x6F75_7461_6765_7321
    /// Mixed into the run's seed to draw whether, when and as whom a fresh server joins.
    static let joinStream: UInt64 = 0x6A6F_696E_696E_6721

    private(set) var servers: [SimulatedServer]
    private var network: SimulatedNetwork
    private var random: SimulationRandom
    private(set) var trace: Trace
    private(set) var report: SimulationReport
    private let profile: FaultProfile
    /// Whether writers also send namespace and ACL writes (``SimulationOptions/adminWrites``).
    private let adminWrites: Bool
    private let mutation: SimulationMutation?
    private var safety = SafetyChecker()
    private(set) var committed: CommittedHistory
    private var roles: [Role]
    /// Each server's term and vote, and commit index, as last seen (to spot the crash points).
    private var votes: [(term: UInt64, vote: NodeID)]
    private var commits: [UInt64]
    private var partitionEnds: UInt64?
    private var restartAt: [Int: UInt64] = [:]
    /// Frames that reached a paused server, delivered when it resumes.
    private var held: [Int: [Envelope]] = [:]
    /// The stream whole-cluster crashes are drawn from (``FaultProfile/draw(_:outages:)``).
    private var outages: SimulationRandom
    /// The outage under way, if every server went down.
    private var outage: Outage?
    /// When a fresh server starts and asks to join the running cluster, and the seed of its
    /// election timeouts (a quarter of the runs with faults have one).
    private let join: (tick: UInt64, seed: UInt64)?
    /// The servers that joined the running cluster.
    private var joined: [NodeID] = []

    /// A time when no server was up: no fault is injected until the restarted cluster has
    /// committed a write proposed since (an entry a client proposed commits; its client may have
    /// given up waiting: on a slow profile a write can take longer than a request's timeout).
    private struct Outage {
        /// The tick the last server went down.
        let began: UInt64
        /// The highest term any server had reached then, and the longest log any server held: an
        /// entry of a later term, or past that log, was proposed since. (The index alone is not
        /// enough: a deposed leader's uncommitted tail may run far past the log the cluster goes
        /// on with, whose new entries take those indexes again; the term alone is not either: a
        /// server may win the highest term some candidate had reached.)
        let term: UInt64
        let lastIndex: UInt64

        /// Whether `entry` was proposed after the outage began.
        func isLater(_ entry: LogEntry) -> Bool { entry.term > term || entry.index > lastIndex }
        /// The tick every server was up again.
        var restartedAt: UInt64?
        /// Whether a write proposed since has committed.
        var committedSince = false
    }

    private var writers: [WritingClient] = []
    private var readers: [ReadingClient] = []
    private var watchers: [LongPollClient] = []
    /// The volume users and their checkers (``SimulationOptions/volumes``).
    private var volumes: VolumeUsers?
    /// The event-stream subscribers and their checker.
    private var subscribers: EventSubscribers
    private(set) var history: [Operation] = []
    /// Orders every client call and answer.
    private var clock: UInt64 = 0
    private var nextValue = 0
    private var nextRequestID: UInt64 = 0
    private(set) var now: UInt64 = 0
    /// Whether faults are injected (the safety phase) and whether clients start new operations.
    var injectsFaults = true
    var clientsStartOperations = true
    /// The clock when the cluster was healed; a write called after it must commit.
    private var healedAt: UInt64?
    private(set) var committedAfterHealing = false

    init(options: SimulationOptions) throws {
        random = SimulationRandom(seed: options.seed)
        outages = SimulationRandom(seed: options.seed ^ Self.outageStream)
        var joins = SimulationRandom(seed: options.seed ^ Self.joinStream)
        join = options.faults == .swarm && joins.chance(25) ? (1 + UInt64(joins.below(max(1, options.ticks * 3 / 4))), joins.next()) : nil
        trace = Trace(keepsLines: options.trace)
        report = SimulationReport(seed: options.seed)
        profile =
            options.faults == .swarm ? FaultProfile.draw(&random, outages: &outages) : FaultProfile(maximumDelay: options.maximumDelay)
        report.profile = profile
        mutation = options.mutation
        trace.record("profile: \(profile)")
        let ids = (1...UInt64(max(1, options.servers))).map { $0 }
        var servers: [SimulatedServer] = []
        for id in ids {
            servers.append(try SimulatedServer(id: id, founders: ids, seed: random.next(), profile: profile, mutation: options.mutation))
        }
        self.servers = servers
        // A server alone in its configuration is a leader as soon as it starts: its first round
        // of processing then counts as its election.
        roles = servers.map { _ in .follower }
        votes = servers.map { ($0.raft.term, $0.raft.vote) }
        commits = servers.map(\.raft.commitIndex)
        network = SimulatedNetwork(maximumDelay: max(1, profile.maximumDelay))
        network.lossPercent = profile.lossPercent
        network.duplicatePercent = profile.duplicatePercent
        keys = max(16, options.clients / 2)
        adminWrites = options.adminWrites
        let queries: [WatchQuery] = [.nodes, .plugins, .plugin(Workload.plugin)] + (0..<keys).map { .node(Workload.nodeID($0)) }
        let clients = max(3, options.clients)
        for number in 0..<clients {
            let server = random.below(servers.count)
            switch number % 4 {
            case 0: writers.append(WritingClient(server: server))
            case 1: readers.append(ReadingClient(server: server))
            default: watchers.append(LongPollClient(server: server, query: queries[random.below(queries.count)]))
            }
        }
        var volumeQueries: [WatchQuery] = []
        if options.volumes {
            // A volume user per eight clients (at least two, at most four: each writes every few
            // ticks at the leader, and with 200 clients more of them put five servers under swarm
            // faults past what they commit, so that a run does not settle within its heal
            // budget), and as many long-poll clients on volumes.
            let users = min(4, max(2, clients / 8))
            var volumes = VolumeUsers(seed: options.seed, count: users, servers: servers.count)
            volumeQueries = volumes.drawQueries(users)
            for query in volumeQueries { watchers.append(LongPollClient(server: volumes.drawServer(servers.count), query: query)) }
            self.volumes = volumes
            report.clients = clients + 2 * users
        } else {
            report.clients = clients
        }
        committed = CommittedHistory(queries: queries + volumeQueries, keepsLog: options.recordsLog)
        subscribers = EventSubscribers(seed: options.seed, count: 2, servers: servers.count, ticks: options.ticks)
    }

    private var serverCount: Int { servers.count }

    /// The wall-clock time the run's clock stands for.
    private var time: Int64 { Self.epoch + Int64(now) * Self.tickNanoseconds }

    private func position(_ id: NodeID) -> Int? { servers.firstIndex { $0.id == id } }

    private mutating func tickClock() -> UInt64 {
        clock += 1
        return clock
    }

    // MARK: Stepping

    /// Advances one tick: faults, timers, deliveries, clients, then each server's `Ready`.
    mutating func step() throws {
        now += 1
        if let join, join.tick == now { try startJoiningServer(seed: join.seed) }
        if injectsFaults {
            if outage == nil { try injectFaults() } else { try restartDueServers() }
        }
        try resumePausedServers()
        for index in servers.indices { servers[index].tick() }
        for envelope in network.due(at: now) {
            guard let target = position(envelope.to) else { continue }
            if servers[target].pausedUntil != nil {
                held[target, default: []].append(envelope)
            } else {
                servers[target].receive(envelope.frame, now: time)
            }
        }
        try runWriters()
        runReaders()
        try runWatchers()
        let (tick, wallTime, startsOperations) = (now, time, clientsStartOperations)
        volumes?.run(servers: &servers, now: tick, time: wallTime, startsOperations: startsOperations, trace: &trace)
        for index in servers.indices { try processReady(index) }
        try subscribers.run(servers: servers, now: now, trace: &trace)
        report.checks.count("bounded traffic")
        guard network.inFlightCount <= Self.maximumInFlight else {
            throw SimulationFailure("message storm: \(network.inFlightCount) messages in flight at tick \(now) (\(network.sentByKind))")
        }
        if now % 50 == 0 { try safety.logsMatch(servers.filter(\.isUp).map(\.raft)) }
        if injectsFaults { try watchOutage() }
    }

    private mutating func processReady(_ index: Int) throws {
        let id = servers[index].id
        let processed = try servers[index].process()
        let output = processed.output
        if let configuration = output.bootstrap { trace.record("\(id) founds the cluster of \(configuration.voters)") }
        if let restored = output.restored {
            trace.record("\(id) installs the snapshot at \(restored.index)")
            try volumes?.replicaRestored(restored)
            try wakeWatchersAfterRestore(at: index)
        }
        let (queries, known) = (committed.queries, committed.index)
        for (entry, applied, state) in output.applied {
            try safety.applied(entry, by: id, in: servers[index].raft.term)
            try volumes?.replicaApplied(applied, state: state)
        }
        for (entry, applied, state) in output.applied where entry.index > known {
            committed.record(entry, answers: CommittedHistory.answers(of: queries, changedBy: applied.changes, in: state))
            try subscribers.committed(entry)
            try volumes?.committed(applied, state: state)
            if outage?.isLater(entry) == true, entry.kind == .command { outage?.committedSince = true }
        }
        for (entry, applied, _) in output.applied {
            trace.record("\(id) applies \(entry.index)/\(entry.term) \(entry.kind)")
            try wakeWatchers(at: index, applied: applied)
        }
        for (token, result) in output.proposals {
            try completeWrite(at: index, token: token, result: result)
            try volumes?.complete(
                server: index, token: token, result: result, stateAt: { at in output.applied.first { $0.entry.index == at }?.state }, trace: &trace)
        }
        for (frame, peer) in processed.frames {
            guard let to = servers.first(where: { $0.address == peer.raftAddress })?.id else { continue }
            network.send(Envelope(frame: frame, from: id, to: to), now: now, random: &random)
        }
        for (requestID, result) in output.answers {
            for reader in readers.indices where readers[reader].pending?.requestID == requestID {
                if case .applied(let readIndex) = result {
                    readers[reader].pending?.readIndex = readIndex
                } else {
                    readers[reader].pending = nil
                    readers[reader].idleUntil = now + 1
                }
            }
        }
        if !output.applied.isEmpty || !output.answers.isEmpty { completeReads(at: index) }
        let raft = servers[index].raft
        guard servers[index].isUp else { return }
        try safety.leaderLog(raft)
        var moments: [FaultProfile.CrashPoint] = []
        if raft.role != roles[index] {
            roles[index] = raft.role
            trace.record("\(raft.id) becomes \(raft.role) at term \(raft.term)")
            if raft.role == .leader {
                report.elections += 1
                try safety.elected(raft)
                moments.append(.afterElected)
            }
        }
        if raft.vote != 0, raft.vote != raft.id, votes[index] != (raft.term, raft.vote) { moments.append(.afterVoting) }
        votes[index] = (raft.term, raft.vote)
        if raft.role == .leader, raft.commitIndex > commits[index] { moments.append(.afterCommitting) }
        commits[index] = raft.commitIndex
        if injectsFaults, outage == nil, let moment = moments.first(where: profile.crashPoints.contains), random.chance(20) {
            crash(index, restartWithin: 20)
            report.faults.count("crashes \(moment.rawValue)")
        }
    }

    // MARK: Faults

    private mutating func injectFaults() throws {
        if let end = partitionEnds, now >= end {
            network.cut = []
            partitionEnds = nil
            trace.record("partition heals")
        }
        if partitionEnds == nil, random.below(1000) < profile.partitionPerMille, serverCount > 1 { partition() }
        try restartDueServers()
        if outages.below(1000) < profile.outagePerMille { crashEveryServer() }
        if random.below(1000) < profile.crashPerMille {
            let index = random.below(serverCount)
            if servers[index].isUp {
                crash(index, restartWithin: random.chance(50) ? 20 : 300)
                report.faults.count("crashes")
            }
        }
        if random.below(1000) < profile.pausePerMille {
            // Half the pauses stall the leader: the stale leader that wakes up is the case to test.
            let leader = servers.firstIndex { $0.isRunning && $0.raft.role == .leader }
            let index = random.chance(50) ? leader ?? random.below(serverCount) : random.below(serverCount)
            if servers[index].isRunning {
                servers[index].pausedUntil = now + 5 + UInt64(random.below(100))
                report.faults.count("pauses")
                trace.record("\(servers[index].id) pauses until tick \(servers[index].pausedUntil!)")
            }
        }
    }

    /// Starts a fresh server, on an empty disk, that asks the running cluster to take it in.
    private mutating func startJoiningServer(seed: UInt64) throws {
        let id = UInt64(servers.count + 1)
        servers.append(try SimulatedServer(id: id, joining: servers.map(\.id), seed: seed, profile: profile, mutation: mutation))
        roles.append(.follower)
        votes.append((0, 0))
        commits.append(0)
        joined.append(id)
        report.faults.count("servers joined")
        trace.record("\(id) starts on an empty disk and asks to join")
    }

    private mutating func restartDueServers() throws {
        for (index, at) in restartAt.sorted(by: { $0.key < $1.key }) where now >= at { try restart(index) }
    }

    /// A power cut: every server crashes at once, each losing, keeping or tearing its unsynced
    /// writes; each restarts within 20 ticks.
    private mutating func crashEveryServer() {
        trace.record("every server crashes at once")
        report.faults.count("whole-cluster crashes")
        for index in servers.indices {
            if servers[index].isUp {
                crash(index, restartWithin: 20)
            } else {
                restartAt[index] = now + 1 + UInt64(outages.below(20))
            }
        }
    }

    /// Starts an outage when no server is up: the network stops losing, duplicating and cutting
    /// frames and no fault is injected until the cluster recovers; fails the run when it has not
    /// committed a write called after every server came back within the liveness budget.
    private mutating func watchOutage() throws {
        if outage == nil {
            guard !servers.contains(where: \.isUp) else { return }
            outage = Outage(began: now, term: servers.map(\.raft.term).max() ?? 0, lastIndex: servers.map(\.raft.lastIndex).max() ?? 0)
            network.cut = []
            partitionEnds = nil
            network.lossPercent = 0
            network.duplicatePercent = 0
            report.faults.count("outages")
            trace.record("outage: no server is up at tick \(now)")
        }
        guard let current = outage else { return }
        guard let restartedAt = current.restartedAt else {
            if servers.allSatisfy(\.isUp) {
                outage?.restartedAt = now
                trace.record("every server is up again at tick \(now)")
            }
            return
        }
        if current.committedSince {
            report.checks.count("a new write commits after every outage")
            trace.record("the cluster recovered from its outage at tick \(now)")
            network.lossPercent = profile.lossPercent
            network.duplicatePercent = profile.duplicatePercent
            outage = nil
            return
        }
        if now > restartedAt + Simulation.outageRecoveryTicks {
            throw SimulationFailure(
                "liveness: every server was down at tick \(current.began) and up again at tick \(restartedAt); \(Simulation.outageRecoveryTicks) ticks later no write proposed since has committed (roles \(servers.map { "\($0.raft.role)" }), terms \(servers.map(\.raft.term)), commits \(servers.map(\.raft.commitIndex)))"
            )
        }
    }

    private mutating func partition() {
        let ids = servers.map(\.id)
        let kind = random.below(3)
        var side: Set<NodeID> = []
        if kind == 0 {
            side = [servers.first { $0.raft.role == .leader }?.id ?? ids[random.below(ids.count)]]
        } else {
            for id in ids where random.chance(50) { side.insert(id) }
        }
        for a in ids {
            // Kind 2 is asymmetric: only messages leaving the chosen side are cut.
            for b in ids where a != b && side.contains(a) != side.contains(b) && (kind != 2 || side.contains(a)) {
                network.cut.insert(.init(from: a, to: b))
            }
        }
        partitionEnds = now + 20 + UInt64(random.below(200))
        let name = ["partitions isolating the leader", "partitions splitting the cluster", "one-way partitions"][kind]
        report.faults.count(name)
        trace.record("partition: \(name) \(side.sorted())")
    }

    private mutating func crash(_ index: Int, restartWithin ticks: Int) {
        let dropped = servers[index].crash(random: &random)
        held[index] = nil
        restartAt[index] = now + 1 + UInt64(random.below(ticks))
        trace.record("\(servers[index].id) crashes")
        for writer in writers.indices where writers[writer].pending?.server == index { writers[writer].pending = nil }
        volumes?.serverCrashed(index)
        subscribers.serverCrashed(index, servers: servers.count, now: now)
        for reader in readers.indices where readers[reader].server == index { readers[reader].pending = nil }
        for watcher in dropped { watchers[watcher].phase = .idle(until: now + 1) }
        for watcher in watchers.indices where watchers[watcher].server == index { watchers[watcher].wasReset = true }
    }

    private mutating func restart(_ index: Int) throws {
        try servers[index].restart()
        restartAt[index] = nil
        roles[index] = .follower
        trace.record("\(servers[index].id) restarts")
    }

    private mutating func resumePausedServers() throws {
        for index in servers.indices {
            guard let until = servers[index].pausedUntil, now >= until || !injectsFaults else { continue }
            servers[index].pausedUntil = nil
            trace.record("\(servers[index].id) resumes")
            // What queued up in its socket buffers arrives over the next ticks, not at once.
            for envelope in held.removeValue(forKey: index) ?? [] { network.send(envelope, now: now, random: &random) }
        }
    }

    /// Ends the safety phase: heals partitions, restarts crashed servers, resumes paused ones and
    /// stops losing messages; from now on a write called must commit.
    mutating func heal() throws {
        injectsFaults = false
        network.cut = []
        network.lossPercent = 0
        network.duplicatePercent = 0
        partitionEnds = nil
        for index in restartAt.keys.sorted() { try restart(index) }
        try resumePausedServers()
        outage = nil
        healedAt = clock
        trace.record("heal at tick \(now)")
    }

    // MARK: Writers

    private mutating func runWriters() throws {
        for number in writers.indices {
            var writer = writers[number]
            defer { writers[number] = writer }
            if let pending = writer.pending {
                guard now > pending.deadline else { continue }
                writer.pending = nil
                writer.idleUntil = now + UInt64(random.below(10))
                report.writesUnanswered += 1
            }
            guard clientsStartOperations, now >= writer.idleUntil else { continue }
            if servers[writer.server].pausedUntil != nil {
                // A stalled server: the client's request times out, now and then, and it tries another.
                if random.chance(10) { writer.server = random.below(serverCount) }
                continue
            }
            guard servers[writer.server].isRunning, servers[writer.server].raft.role == .leader else {
                let leader = servers[writer.server].isRunning ? position(servers[writer.server].raft.leader) : nil
                writer.server = leader ?? random.below(serverCount)
                writer.idleUntil = now + 1
                continue
            }
            let key = random.below(keys)
            nextValue += 1
            let isAdmin = adminWrites && random.chance(20)
            let isJob = !isAdmin && random.chance(10)
            let command: Command
            if isAdmin {
                command = Workload.adminWrite(&random, time: time)
            } else if isJob {
                command = Workload.pluginJob(role: Workload.roles[random.below(3)], count: 1 + random.below(3), time: time)
            } else {
                command = Workload.nodeRegistration(node: key, value: nextValue, healthy: random.chance(70), controller: key % 4 == 0, time: time)
            }
            guard let token = servers[writer.server].propose(command.encoded()) else { continue }
            var operation: Int?
            if !isAdmin && !isJob {
                operation = history.count
                history.append(Operation(key: key, kind: .write(nextValue), call: tickClock()))
            }
            writer.pending = .init(operation: operation, server: writer.server, token: token, deadline: now + Self.requestTimeout)
            writer.pending?.mayBeRefused = isAdmin
            report.writesProposed += 1
            if isAdmin { report.adminWritesProposed += 1 }
            let what = isAdmin ? "admin write" : isJob ? "plugin job" : "\(Workload.nodeID(key)) = \(nextValue)"
            trace.record("\(servers[writer.server].id) proposes \(what)")
        }
    }

    private static func isHalt(_ error: StateError) -> Bool {
        if case .halted = error { return true }
        return false
    }

    /// Answers the write whose proposal on `server` carried `token`: committed when its entry
    /// applied there. A write whose leader lost its leadership first may or may not take effect:
    /// it stays unanswered, as a client that never heard back.
    private mutating func completeWrite(at server: Int, token: UInt64, result: Result<AppliedEntry, SubmitError>) throws {
        for number in writers.indices {
            guard let pending = writers[number].pending, pending.server == server, pending.token == token else { continue }
            writers[number].pending = nil
            writers[number].idleUntil = now + UInt64(random.below(10))
            switch result {
            case .success(let applied):
                if case .failure(let error) = applied.result {
                    guard pending.mayBeRefused, !Self.isHalt(error) else { throw SimulationFailure("write at \(applied.index) refused: \(error)") }
                    report.adminWritesRefused += 1
                }
                report.writesCommitted += 1
                trace.record("\(servers[server].id) answers the write at \(applied.index)")
                if let operation = pending.operation {
                    history[operation].answer = tickClock()
                    if let healedAt, history[operation].call > healedAt { committedAfterHealing = true }
                }
            case .failure:
                report.writesUnanswered += 1
            }
        }
    }

    // MARK: Readers

    private mutating func runReaders() {
        for number in readers.indices {
            var reader = readers[number]
            defer { readers[number] = reader }
            if let pending = reader.pending {
                guard now > pending.deadline else { continue }
                reader.pending = nil
                reader.idleUntil = now + UInt64(random.below(10))
            }
            guard clientsStartOperations, now >= reader.idleUntil else { continue }
            if servers[reader.server].pausedUntil != nil {
                if random.chance(10) { reader.server = random.below(serverCount) }
                continue
            }
            if !servers[reader.server].isUp { reader.server = random.below(serverCount) }
            nextRequestID += 1
            guard servers[reader.server].requestRead(nextRequestID) else {
                reader.server = random.below(serverCount)
                reader.idleUntil = now + 1
                continue
            }
            reader.pending = .init(key: random.below(keys), requestID: nextRequestID, call: tickClock(), deadline: now + Self.requestTimeout)
            trace.record("reader \(number) asks \(servers[reader.server].id) for a read index (\(Workload.nodeID(reader.pending!.key)))")
        }
    }

    /// Answers the reads on `server` whose read index it has applied.
    private mutating func completeReads(at server: Int) {
        let state = servers[server].machine.state
        for number in readers.indices where readers[number].server == server {
            guard let pending = readers[number].pending, let readIndex = pending.readIndex, state.index >= readIndex else { continue }
            let value = Workload.value(of: state.node(id: Workload.nodeID(pending.key)))
            history.append(Operation(key: pending.key, kind: .read(value), call: pending.call, answer: tickClock()))
            trace.record("reader \(number) reads \(Workload.nodeID(pending.key)) = \(value) at \(servers[server].id) (read index \(readIndex))")
            readers[number].pending = nil
            readers[number].idleUntil = now + UInt64(random.below(10))
            report.readsAnswered += 1
        }
    }

    // MARK: Long-poll clients

    private mutating func runWatchers() throws {
        for number in watchers.indices {
            switch watchers[number].phase {
            case .idle(let until):
                guard clientsStartOperations, now >= until else { continue }
                if !servers[watchers[number].server].isRunning {
                    watchers[number].server = random.below(serverCount)
                    watchers[number].wasReset = true
                    watchers[number].phase = .idle(until: now + 1)
                    continue
                }
                try ask(number)
            case .parked(_, let deadline, _):
                let server = watchers[number].server
                guard now >= deadline, servers[server].isRunning else { continue }
                _ = servers[server].watches.unpark(UInt64(number))
                try answer(number, wokenByChange: false)
            }
        }
    }

    /// Sends the client's blocking query: answered at once if the index passed the one it asks
    /// for, parked otherwise.
    private mutating func ask(_ number: Int) throws {
        let watcher = watchers[number]
        let state = servers[watcher.server].machine.state
        let asked = watcher.lastIndex
        guard asked > 0, watcher.query.index(in: state) <= asked else { return try answer(number, wokenByChange: false) }
        let keys = watcher.query.keys(in: state)
        guard servers[watcher.server].watches.park(UInt64(number), on: Set(keys), seenIndex: state.index, waiter: number) else {
            return try answer(number, wokenByChange: true)
        }
        watchers[number].phase = .parked(asked: asked, deadline: now + 10 + UInt64(random.below(90)), keys: keys)
    }

    /// Wakes the clients parked on what `applied` changed, and checks that none was left asleep.
    private mutating func wakeWatchers(at server: Int, applied: AppliedEntry) throws {
        let woken = servers[server].watches.notify(applied.changes, index: applied.index)
        for number in woken {
            guard case .parked(let asked, let deadline, _) = watchers[number].phase else { continue }
            let state = servers[server].machine.state
            if watchers[number].query.index(in: state) > asked {
                try answer(number, wokenByChange: true)
            } else {
                let keys = watchers[number].query.keys(in: state)
                guard servers[server].watches.park(UInt64(number), on: Set(keys), seenIndex: state.index, waiter: number) else {
                    try answer(number, wokenByChange: true)
                    continue
                }
                watchers[number].phase = .parked(asked: asked, deadline: deadline, keys: keys)
            }
        }
        let wokenSet = Set(woken)
        for number in watchers.indices where watchers[number].server == server && !wokenSet.contains(number) {
            guard case .parked(_, _, let keys) = watchers[number].phase else { continue }
            report.checks.count("no missed wakeup")
            if keys.contains(where: applied.changes.contains) {
                throw SimulationFailure(
                    "missed wakeup: client \(number) stays parked on \(watchers[number].query) at server \(servers[server].id) after \(applied.index) changed it"
                )
            }
        }
    }

    /// Wakes every client parked on a server whose state a snapshot from the leader replaced:
    /// each re-reads, and answers if the index passed the one it asked for.
    private mutating func wakeWatchersAfterRestore(at server: Int) throws {
        let state = servers[server].machine.state
        for number in servers[server].watches.notifyAll(index: state.index) {
            guard case .parked(let asked, let deadline, _) = watchers[number].phase else { continue }
            let keys = watchers[number].query.keys(in: state)
            if watchers[number].query.index(in: state) > asked {
                try answer(number, wokenByChange: true)
            } else if !servers[server].watches.park(UInt64(number), on: Set(keys), seenIndex: state.index, waiter: number) {
                try answer(number, wokenByChange: true)
            } else {
                watchers[number].phase = .parked(asked: asked, deadline: deadline, keys: keys)
            }
        }
    }

    /// Answers the client's query from its server's state and checks the answer: a wake by a
    /// change reports an index past the one asked for; the index never goes backwards on one
    /// connection; and the answer is what the committed log says it was at that index.
    private mutating func answer(_ number: Int, wokenByChange: Bool) throws {
        let watcher = watchers[number]
        let server = servers[watcher.server]
        let index = watcher.query.index(in: server.machine.state)
        let asked: UInt64
        if case .parked(let parkedAsking, _, _) = watcher.phase { asked = parkedAsking } else { asked = watcher.lastIndex }
        let context = "client \(number) on \(server.id) asking \(watcher.query)?index=\(asked)"
        if wokenByChange {
            report.checks.count("watch wakes past its index")
            guard index > asked else { throw SimulationFailure("\(context): woken at \(index), not past \(asked)") }
        }
        if !watcher.wasReset {
            report.checks.count("watch index never goes backwards")
            guard index >= watcher.lastIndex else { throw SimulationFailure("\(context): index went back from \(watcher.lastIndex) to \(index)") }
        }
        report.checks.count("watch sees every change up to its index")
        guard watcher.query.view(of: server.machine.state) == committed.view(of: watcher.query, at: index) else {
            throw SimulationFailure("\(context): the answer at index \(index) differs from the committed log's")
        }
        report.watchAnswers += 1
        watchers[number].lastIndex = index
        watchers[number].wasReset = false
        watchers[number].phase = .idle(until: now + UInt64(random.below(5)))
    }

    // MARK: End of run

    /// Whether every server is up, agrees on the commit index and has applied it, a leader is
    /// known whose configuration has every server as a voter (a server that joined included), a
    /// write called after healing has committed, and no write awaits its answer.
    var hasConverged: Bool {
        let commits = Set(servers.map(\.raft.commitIndex))
        let applied = Set(servers.map(\.machine.state.index))
        guard let leader = servers.first(where: { $0.raft.role == .leader }) else { return false }
        return committedAfterHealing && writers.allSatisfy { $0.pending == nil } && servers.allSatisfy(\.isRunning)
            && servers.allSatisfy { leader.raft.configuration.isVoter($0.id) }
            && commits.count == 1 && applied == commits
    }

    /// The voters of the leader's configuration, if a leader is known (for a liveness failure).
    var leaderVoters: [NodeID]? { servers.first { $0.raft.role == .leader }?.raft.configuration.voters }

    /// The final checks: every server's state, and its log replayed from its disk, hash the same
    /// as the committed log; the logs match; the client history is linearizable.
    mutating func finish(checker: LinearizabilityChecker) throws -> SimulationReport {
        let expected = servers[0].machine.state.stateHash
        for server in servers {
            report.checks.count("replicas equal the committed log", 2)
            guard server.machine.state.index == committed.index, server.machine.state.stateHash == expected else {
                throw SimulationFailure("server \(server.id) at \(server.machine.state.index) does not hold the committed log's state")
            }
            guard try server.replayedStateHash(through: committed.index) == expected else {
                throw SimulationFailure("server \(server.id): its log replayed from scratch does not give the committed state")
            }
        }
        try safety.logsMatch(servers.map(\.raft))
        try subscribers.finish(servers: servers, through: committed.index, now: now, trace: &trace)
        report.checks.count(EventStreamChecker.check, subscribers.checker.checks)
        report.eventStreams = subscribers.counts
        report.checks.count("a server that joined becomes a voter", joined.count)
        let operations = history
        report.linearizability = checker.check(operations)
        report.checks.count("linearizability")
        if case .violated = report.linearizability {
            throw SimulationFailure("linearizability: \(report.linearizability) in \(operations.count) operations")
        }
        report.operations = operations.count
        report.ticks = now
        report.messagesSent = network.sent
        report.messagesDelivered = network.delivered
        report.messagesByKind = network.sentByKind
        report.faults.count("messages lost", network.lost)
        report.faults.count("messages duplicated", network.duplicated)
        report.checks.add(safety.checks)
        if let volumes {
            report.checks.add(volumes.allChecks)
            report.volumeWritesProposed = volumes.counts.proposed
            report.volumeWritesDenied = volumes.counts.denied
            report.volumeWritesRefused = volumes.counts.refused
            report.volumeClaimsAcknowledged = volumes.counts.claimsAcknowledged
            report.writesProposed += volumes.counts.proposed
            report.writesCommitted += volumes.counts.committed
            report.writesUnanswered += volumes.counts.unanswered
        }
        report.faults.count("snapshots taken", servers.map(\.snapshotsTaken).reduce(0, +))
        report.faults.count("snapshots installed", servers.map(\.snapshotsInstalled).reduce(0, +))
        report.appliedIndex = committed.index
        report.stateHash = expected
        report.committedLog = committed.log
        trace.record("end at tick \(now): applied \(committed.index) hash \(expected)")
        report.traceDigest = trace.digest
        report.traceLines = trace.lines
        return report
    }
}
