import CaravanEvents
import CaravanRaft

/// The simulated subscribers of the event stream and the checker that watches what they
/// receive. Each tick a subscriber steps its ``EventStreamCursor`` — the agent's own stream
/// decisions — in its server's ``EventJournal`` and hands the lines it got to
/// ``EventStreamChecker``. It resubscribes after its last line when its server crashes, when the
/// server stalls (a paused server; clients reach servers without a network hop, so a partition
/// between servers never cuts a subscriber off), and when the stream ends (it fell behind); now
/// and then it stops reading for a while, as a slow client does. It stays connected for a
/// session of its own length, then goes away for a while and comes back to another server,
/// resuming after its last line (so it is told of a gap when the journal no longer reaches back
/// there); away, it costs the run nothing, which keeps the suite's runs fast.
///
/// Subscribers only read journals: every draw comes from a stream of their own, seeded from the
/// run's seed, so the cluster and its other users draw what they drew without them.
struct EventSubscribers {
    /// Mixed into the run's seed to seed the subscribers' stream.
    static let stream: UInt64 = 0x6576_656E_7473_2121
    /// Chance per 1,000 ticks that a reading subscriber stops reading for 5 to 44 ticks (past the
    /// journal's capacity, at about an entry a tick, for the longer stalls).
    static let stallPerMille = 20
    /// A session lasts 10 to 69 ticks; a subscriber away comes back 30 to 329 ticks later.
    static let sessionTicks = (least: 10, more: 60)
    static let awayTicks = (least: 30, more: 300)

    /// The subscriptions subscribers draw from: Nomad `topic` values (none: every topic) and
    /// namespaces. The first subscriber takes the first: every topic in every namespace the
    /// users write in.
    static let subscriptions: [(topics: [String], namespaces: Set<String>)] = [
        ([], ["default", VolumeWorkload.namespace, "team-0", "team-1", "team-2"]),
        ([], ["default"]),
        (["Node"], ["default"]),
        (["Node:node-1", "Node:node-2", "CSIPlugin"], ["default"]),
        (["CSIVolume"], [VolumeWorkload.namespace]),
        (["CSIVolume:vol-1", "CSIVolume:ebs"], ["default", VolumeWorkload.namespace]),
        (["Job:ebs-controller", "Job:ebs-node"], ["default"]),
        (["Job", "ACLToken", "ACLPolicy"], ["team-0", "team-1"]),
    ]

    private var subscribers: [EventSubscriber] = []
    private var random: SimulationRandom
    private(set) var checker = EventStreamChecker()
    /// What the subscribers did, by kind: connections, lines, events, gaps announced, indexes in
    /// gaps, streams that fell behind.
    private(set) var counts = Tally()

    /// `count` subscribers, each starting at a tick before `ticks / 2` on a server drawn from
    /// the stream.
    init(seed: UInt64, count: Int, servers: Int, ticks: Int) {
        random = SimulationRandom(seed: seed ^ Self.stream)
        for number in 0..<count {
            let (topics, namespaces) = Self.subscriptions[number == 0 ? 0 : random.below(Self.subscriptions.count)]
            let query = (topics.map { "topic=\($0)" } + namespaces.sorted().map { "namespace=\($0)" }).joined(separator: "&")
            let subscription = EventSubscription(topics: try! EventSubscription.topics(topics), namespaces: namespaces)
            subscribers.append(
                EventSubscriber(
                    subscription: subscription, query: query, firstIndex: random.chance(50) ? 1 : 0, server: random.below(servers),
                    phase: .disconnected(until: UInt64(random.below(max(1, ticks / 2))))))
        }
        counts.count("subscribers", count)
    }

    /// The committed entry after the last: the checker's oracle replays it.
    mutating func committed(_ entry: LogEntry) throws { try checker.committed.replay(entry) }

    /// The subscribers of the server at `server` lost their connections: each resubscribes to
    /// another server.
    mutating func serverCrashed(_ server: Int, servers: Int, now: UInt64) {
        for number in subscribers.indices where subscribers[number].server == server {
            guard case .streaming = subscribers[number].phase else { continue }
            disconnect(number, servers: servers, until: now + 1)
        }
    }

    /// Connects the subscribers due, and lets each reading one read what its server's journal
    /// holds.
    mutating func run(servers: [SimulatedServer], now: UInt64, trace: inout Trace) throws {
        for number in subscribers.indices {
            switch subscribers[number].phase {
            case .disconnected(let until):
                guard now >= until else { continue }
                guard servers[subscribers[number].server].isRunning else {
                    subscribers[number].server = random.below(servers.count)
                    subscribers[number].phase = .disconnected(until: now + 1)
                    continue
                }
                connect(number, servers: servers, now: now, trace: &trace)
                try read(number, servers: servers, now: now, trace: &trace)
            case .streaming(let cursor, let readsAt, let leavesAt):
                let server = subscribers[number].server
                guard servers[server].isRunning else {
                    if random.chance(10) { disconnect(number, servers: servers.count, until: now + 1) }
                    continue
                }
                if now >= leavesAt {
                    disconnect(number, servers: servers.count, until: now + UInt64(Self.awayTicks.least + random.below(Self.awayTicks.more)))
                    trace.record("subscriber \(number) leaves \(servers[server].id)")
                    continue
                }
                if now >= readsAt, random.below(1000) < Self.stallPerMille {
                    subscribers[number].phase = .streaming(cursor, readsAt: now + 5 + UInt64(random.below(40)), leavesAt: leavesAt)
                    continue
                }
                guard now >= readsAt else { continue }
                try read(number, servers: servers, now: now, trace: &trace)
            }
        }
    }

    /// Reads every open stream to its end and checks that its subscriber received every committed
    /// event it subscribed to through `index`, which every server has applied. (A subscriber
    /// away at the end would only be told of the gap since its last line.)
    mutating func finish(servers: [SimulatedServer], through index: UInt64, now: UInt64, trace: inout Trace) throws {
        for number in subscribers.indices {
            guard case .streaming(let cursor, _, let leavesAt) = subscribers[number].phase else { continue }
            subscribers[number].phase = .streaming(cursor, readsAt: now, leavesAt: leavesAt)
            try read(number, servers: servers, now: now, trace: &trace)
            if case .disconnected = subscribers[number].phase {
                // Its stream fell behind; nothing is applied meanwhile, so the next one cannot.
                connect(number, servers: servers, now: now, trace: &trace)
                try read(number, servers: servers, now: now, trace: &trace)
            }
            try checker.caughtUp(number, through: index)
        }
    }

    /// Opens a stream on the subscriber's server from the index it resumes at.
    private mutating func connect(_ number: Int, servers: [SimulatedServer], now: UInt64, trace: inout Trace) {
        let subscriber = subscribers[number]
        let server = servers[subscriber.server]
        let start = subscriber.resumeIndex
        // `index=0` starts at the oldest event the journal keeps; reading follows at once.
        checker.connected(number, subscriber.query, subscription: subscriber.subscription, from: start > 0 ? start : server.journal.coveredFrom)
        let session = UInt64(Self.sessionTicks.least + random.below(Self.sessionTicks.more))
        subscribers[number].phase = .streaming(
            EventStreamCursor(subscription: subscriber.subscription, startIndex: start), readsAt: 0, leavesAt: now + session)
        counts.count("connections")
        trace.record("subscriber \(number) subscribes at \(server.id): \(subscriber.query)&index=\(start)")
    }

    /// Drops the subscriber's stream; it resubscribes to another server from tick `until` on.
    private mutating func disconnect(_ number: Int, servers: Int, until: UInt64) {
        let server = subscribers[number].server
        subscribers[number].server = servers > 1 ? (server + 1 + random.below(servers - 1)) % servers : server
        subscribers[number].phase = .disconnected(until: until)
    }

    /// The lines of a chunk, without their newlines.
    private static func lines(of chunk: [UInt8]) -> [[UInt8]] {
        chunk.withUnsafeBufferPointer { bytes in
            var lines: [[UInt8]] = []
            var start = 0
            for end in 0..<bytes.count where bytes[end] == UInt8(ascii: "\n") {
                lines.append(Array(bytes[start..<end]))
                start = end + 1
            }
            return lines
        }
    }

    /// Steps the subscriber's cursor in its server's journal until it waits or the stream ends,
    /// checking every line.
    private mutating func read(_ number: Int, servers: [SimulatedServer], now: UInt64, trace: inout Trace) throws {
        guard case .streaming(var cursor, let readsAt, let leavesAt) = subscribers[number].phase else { return }
        let (journal, id) = (servers[subscribers[number].server].journal, servers[subscribers[number].server].id)
        while true {
            // The simulated cluster runs without ACLs: no stream loses its authorization.
            let step = cursor.step(in: journal, authorize: { nil })
            let lines: [UInt8]
            switch step {
            case .send(let sent), .wait(let sent), .end(let sent): lines = sent
            }
            for line in Self.lines(of: lines) {
                let received = try checker.received(line, by: number)
                if let index = received.index { subscribers[number].lastIndex = index }
                switch received {
                case .events(_, let count):
                    counts.count("lines")
                    counts.count("events", count)
                case .gap(let from, let resumingAt):
                    counts.count("gaps announced")
                    counts.count("indexes in gaps", Int(resumingAt - from))
                    trace.record("subscriber \(number) is told at \(id) that the events of [\(from), \(resumingAt)) are not kept")
                case .ended(let reason):
                    counts.count("streams fell behind")
                    trace.record("\(id) ends subscriber \(number)'s stream: \(reason)")
                }
            }
            switch step {
            case .send: continue
            case .wait:
                subscribers[number].phase = .streaming(cursor, readsAt: readsAt, leavesAt: leavesAt)
            case .end:
                // It resubscribes after its last line, on the same server.
                subscribers[number].phase = .disconnected(until: now + 1)
            }
            return
        }
    }
}
