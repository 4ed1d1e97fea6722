import CaravanAdmission
import CaravanCore
import CaravanModel
import CaravanRaft
import CaravanState

/// The simulated users of CSI volumes (``SimulationOptions/volumes``) and the checkers that
/// watch their volumes. Each write is checked by the leader's admission against its state, as
/// the agent's API checks a request, and proposed only if admitted; the state machine may still
/// refuse it when it applies (a claim that lost a race), alike on every replica. Every draw comes
/// from a stream of its own, seeded from the run's seed.
struct VolumeUsers {
    /// Mixed into the run's seed to seed the volume users' stream.
    static let stream: UInt64 = 0x766F_6C75_6D65_7321
    /// Ticks a volume user waits for its answer before giving up.
    static let requestTimeout: UInt64 = 60

    private var clients: [VolumeClient]
    private var random: SimulationRandom
    private var acknowledged = AcknowledgedClaims()
    private var deregistrations = DeregisteredClaims()
    private(set) var checks = Tally()
    private(set) var counts = Counts()

    /// What the volume users did.
    struct Counts: Sendable {
        var proposed = 0
        /// Turned away by the leader's admission, never proposed.
        var denied = 0
        /// Refused by the state machine when applied.
        var refused = 0
        var committed = 0
        var unanswered = 0
        var claimsAcknowledged = 0
    }

    /// `count` users, each on client node `number` of 0..<count, each starting at a server drawn
    /// from the stream.
    init(seed: UInt64, count: Int, servers: Int) {
        random = SimulationRandom(seed: seed ^ Self.stream)
        var clients: [VolumeClient] = []
        for number in 0..<count { clients.append(VolumeClient(nodeID: Workload.nodeID(number), server: random.below(servers))) }
        self.clients = clients
    }

    /// `count` blocking queries on volumes for long-poll clients: the list, or one of the pool.
    mutating func drawQueries(_ count: Int) -> [WatchQuery] {
        let queries: [WatchQuery] = [.volumes] + VolumeWorkload.pool.map { .volume($0) }
        return (0..<count).map { number in number == 0 ? .volumes : queries[random.below(queries.count)] }
    }

    /// A server for a long-poll client on volumes to start at.
    mutating func drawServer(_ servers: Int) -> Int { random.below(servers) }

    // MARK: Writes

    /// Gives up on answers past their deadline, then starts a write for each idle user.
    mutating func run(servers: inout [SimulatedServer], now: UInt64, time: Int64, startsOperations: Bool, trace: inout Trace) {
        for number in clients.indices {
            var client = clients[number]
            defer { clients[number] = client }
            if let pending = client.pending {
                guard now > pending.deadline else { continue }
                client.pending = nil
                giveUp(on: pending.action, &client)
                client.idleUntil = now + UInt64(random.below(10))
            }
            guard startsOperations, now >= client.idleUntil else { continue }
            guard servers[client.server].isRunning, servers[client.server].raft.role == .leader else {
                let leader = servers[client.server].raft.leader
                client.server = servers[client.server].isRunning ? servers.firstIndex { $0.id == leader } ?? random.below(servers.count) : random.below(servers.count)
                client.idleUntil = now + 1
                continue
            }
            let server = client.server
            let state = servers[server].machine.state
            let action = nextAction(&client, number, in: state)
            let command = action.command(time: time)
            do {
                try servers[server].core.admission.check(command, credentials: .anonymous, in: state, now: time)
            } catch {
                counts.denied += 1
                trace.record("\(servers[server].id) turns away volume user \(number): \(action): \(error)")
                if let key = action.volume, case .release = action { client.update(key, from: state.volume(namespace: key.namespace, id: key.id)) }
                client.idleUntil = now + 1 + UInt64(random.below(10))
                continue
            }
            guard let token = servers[server].propose(command.encoded()) else { continue }
            startsReleasing(action)
            client.pending = VolumeClient.Pending(action: action, server: server, token: token, deadline: now + Self.requestTimeout)
            counts.proposed += 1
            trace.record("\(servers[server].id) proposes for volume user \(number): \(action)")
        }
    }

    /// What user `number` does next, given the leader's state.
    private mutating func nextAction(_ client: inout VolumeClient, _ number: Int, in state: StateVersion) -> VolumeAction {
        let held = client.claims.keys.sorted()
        let key = VolumeWorkload.pool[random.below(VolumeWorkload.pool.count)]
        if key.namespace == VolumeWorkload.namespace, !state.namespaceExists(key.namespace), random.chance(50) { return .createNamespace }
        let roll = random.below(100)
        if roll < 35, !held.isEmpty {
            let (volume, claim) = client.claims[held[random.below(held.count)]]!
            var release = claim
            release.state = claim.state.nextRelease
            return .release(volume, release)
        }
        if roll < 50 { return .register(key, VolumeWorkload.capabilities(of: key, &random)) }
        if roll < 88 {
            // Mostly a volume the leader knows; now and then one it may not.
            let registered = VolumeWorkload.pool.filter { state.volume(namespace: $0.namespace, id: $0.id) != nil }
            let key = registered.isEmpty || random.chance(15) ? key : registered[random.below(registered.count)]
            let capabilities = state.volume(namespace: key.namespace, id: key.id)?.requestedCapabilities ?? []
            let capability =
                capabilities.isEmpty
                ? CSIVolumeCapability(accessMode: CSIAccessMode.singleNodeWriter, attachmentMode: CSIAttachmentMode.fileSystem)
                : capabilities[random.below(capabilities.count)]
            let writes = CSIAccessMode.isWriter(capability.accessMode) && random.chance(60)
            client.allocations += 1
            let claim = CSIVolumeClaim(
                allocationID: "alloc-\(number)-\(client.allocations)", nodeID: client.nodeID, mode: writes ? .write : .read,
                accessMode: capability.accessMode, attachmentMode: capability.attachmentMode)
            return .claim(key, claim)
        }
        if roll < 94 {
            let target = held.isEmpty ? key : client.claims[held[random.below(held.count)]]!.volume
            return .detach(target, nodeID: client.nodeID)
        }
        return .deregister(key, force: random.chance(40))
    }

    /// A release or detach just proposed: the claims it lets go of are no longer owed to the
    /// client. (A deregistration lets go of them when it commits.)
    private mutating func startsReleasing(_ action: VolumeAction) {
        switch action {
        case .release(let key, let claim): acknowledged.releasing(claim.allocationID, on: key)
        case .detach(let key, let nodeID): acknowledged.detaching(nodeID, from: key)
        case .createNamespace, .register, .claim, .deregister: break
        }
    }

    /// A write whose answer never came: a claim may have been taken, so the user will release it.
    private mutating func giveUp(on action: VolumeAction, _ client: inout VolumeClient) {
        counts.unanswered += 1
        if case .claim(let key, let claim) = action { client.claims[claim.allocationID] = (key, claim) }
    }

    /// Answers the volume write whose proposal on `server` carried `token`. `stateAt` gives the
    /// state that server reached by applying a given index in this round.
    mutating func complete(
        server: Int, token: UInt64, result: Result<AppliedEntry, SubmitError>, stateAt: (UInt64) -> StateVersion?, trace: inout Trace
    ) throws {
        guard let number = clients.firstIndex(where: { $0.pending?.server == server && $0.pending?.token == token }) else { return }
        var client = clients[number]
        defer { clients[number] = client }
        let action = client.pending!.action
        client.pending = nil
        client.idleUntil = 0
        guard case .success(let applied) = result else { return giveUp(on: action, &client) }
        counts.committed += 1
        switch applied.result {
        case .failure(.halted(_, let reason)):
            throw SimulationFailure("volume write at \(applied.index) halted the state machine: \(reason)")
        case .failure(let error):
            counts.refused += 1
            trace.record("volume user \(number): \(action) refused at \(applied.index): \(error)")
            if let key = action.volume, case .volume(.volumeNotFound) = error { client.update(key, from: nil) }
        case .success(let outcome):
            trace.record("volume user \(number): \(action) applied at \(applied.index)")
            var volume: CSIVolume?
            if case .volumes(let volumes) = outcome { volume = volumes.first }
            switch action {
            case .createNamespace, .register:
                break
            case .claim(let key, let claim):
                try acknowledged.acknowledged(claim, on: key, at: applied.index, volume: stateAt(applied.index)?.volume(namespace: key.namespace, id: key.id))
                counts.claimsAcknowledged += 1
                client.claims[claim.allocationID] = (key, claim)
            case .release(let key, _), .detach(let key, _):
                client.update(key, from: volume)
            case .deregister(let key, _):
                client.update(key, from: nil)
            }
        }
    }

    /// The server at `server` crashed: the writes proposed on it get no answer.
    mutating func serverCrashed(_ server: Int) {
        for number in clients.indices where clients[number].pending?.server == server {
            var client = clients[number]
            let action = client.pending!.action
            client.pending = nil
            giveUp(on: action, &client)
            clients[number] = client
        }
    }

    // MARK: Checks

    /// Checks, on the replica that applied it, each volume an entry changed against its access
    /// mode's limits.
    mutating func replicaApplied(_ applied: AppliedEntry, state: StateVersion) throws {
        for case .volume(let key) in applied.changes.keys {
            checks.count(ClaimLimits.check)
            if let volume = state.volume(namespace: key.namespace, id: key.id), let violation = ClaimLimits.violation(in: volume) {
                throw SimulationFailure("\(violation) at \(applied.index)")
            }
        }
    }

    /// Checks every volume of a state a replica installed from a snapshot.
    mutating func replicaRestored(_ state: StateVersion) throws {
        for volume in state.volumes(namespace: nil) {
            checks.count(ClaimLimits.check)
            if let violation = ClaimLimits.violation(in: volume) { throw SimulationFailure("\(violation) in a snapshot at \(state.index)") }
        }
    }

    /// Checks the volumes the next committed entry changed against the deregistrations and the
    /// acknowledged claims before it.
    mutating func committed(_ applied: AppliedEntry, state: StateVersion) throws {
        for case .volume(let key) in applied.changes.keys {
            let volume = state.volume(namespace: key.namespace, id: key.id)
            try deregistrations.committed(key, volume, at: applied.index)
            try acknowledged.committed(key, volume, at: applied.index)
        }
    }

    /// The checks made, by kind.
    var allChecks: Tally {
        var all = checks
        all.count(DeregisteredClaims.check, deregistrations.checks)
        all.count(AcknowledgedClaims.check, acknowledged.checks)
        return all
    }
}
