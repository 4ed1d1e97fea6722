import CaravanCore
import CaravanRaft

/// One frame on its way from one simulated server to another.
struct Envelope {
    let frame: PeerFrame
    let from: NodeID
    let to: NodeID
}

/// What the network counts frames by: a raft message's kind, or the frame's.
enum TrafficKind: Hashable, CustomStringConvertible {
    case raft(MessageKind)
    case hello
    case forward
    case forwardResult

    init(_ frame: PeerFrame) {
        switch frame {
        case .raft(let message): self = .raft(message.kind)
        case .hello: self = .hello
        case .forward: self = .forward
        case .forwardResult: self = .forwardResult
        }
    }

    var description: String {
        switch self {
        case .raft(let kind): "\(kind)"
        case .hello: "hello"
        case .forward: "forward"
        case .forwardResult: "forwardResult"
        }
    }
}

/// Frames between simulated servers — raft messages, introductions, forwarded operations — each
/// delivered after a delay drawn from the run's generator (so frames overtake one another),
/// possibly lost or duplicated, and dropped at delivery when a partition cuts its path or its
/// receiver is down.
struct SimulatedNetwork {
    private struct InFlight {
        let deliverAt: UInt64
        let sequence: UInt64
        let envelope: Envelope
    }

    private var inFlight: [InFlight] = []
    private var sequence: UInt64 = 0
    /// The longest delay, in ticks.
    let maximumDelay: Int
    /// Percent of messages lost, and duplicated.
    var lossPercent = 0
    var duplicatePercent = 0
    /// Directed paths a partition cuts: (from, to).
    var cut: Set<Pair> = []
    private(set) var sent = 0
    /// Frames sent, counted by kind as a value, not a name: formatting a name per frame would
    /// cost more than the rest of sending it.
    private var sentCounts: [TrafficKind: Int] = [:]
    private(set) var delivered = 0
    private(set) var lost = 0
    private(set) var duplicated = 0

    /// A directed path between two servers.
    struct Pair: Hashable {
        let from: NodeID
        let to: NodeID
    }

    init(maximumDelay: Int) { self.maximumDelay = maximumDelay }

    /// Messages sent, by kind.
    var sentByKind: Tally {
        var tally = Tally()
        for (kind, times) in sentCounts { tally.count("\(kind)", times) }
        return tally
    }

    /// Messages sent and not yet due.
    var inFlightCount: Int { inFlight.count }

    mutating func send(_ envelope: Envelope, now: UInt64, random: inout SimulationRandom) {
        sent += 1
        sentCounts[TrafficKind(envelope.frame), default: 0] += 1
        if random.chance(lossPercent) {
            lost += 1
            return
        }
        let copies = random.chance(duplicatePercent) ? 2 : 1
        duplicated += copies - 1
        for _ in 0..<copies {
            sequence += 1
            inFlight.append(InFlight(deliverAt: now + 1 + UInt64(random.below(maximumDelay)), sequence: sequence, envelope: envelope))
        }
    }

    /// The frames due at `now` whose path is open, in the order they became due.
    mutating func due(at now: UInt64) -> [Envelope] {
        let ready = inFlight.filter { $0.deliverAt <= now }.sorted { ($0.deliverAt, $0.sequence) < ($1.deliverAt, $1.sequence) }
        inFlight.removeAll { $0.deliverAt <= now }
        let open = ready.map(\.envelope).filter { !cut.contains(Pair(from: $0.from, to: $0.to)) }
        lost += ready.count - open.count
        delivered += open.count
        return open
    }
}
