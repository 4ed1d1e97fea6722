import CaravanRaft

/// Messages between simulated servers, each delivered after a delay drawn from the run's
/// generator, so messages overtake one another as on a real network.
struct SimulatedNetwork {
    private struct InFlight {
        let deliverAt: UInt64
        let sequence: UInt64
        let message: Message
    }

    private var inFlight: [InFlight] = []
    private var sequence: UInt64 = 0
    /// The longest delay, in ticks.
    let maximumDelay: Int
    private(set) var sent = 0
    private(set) var delivered = 0

    init(maximumDelay: Int) { self.maximumDelay = maximumDelay }

    mutating func send(_ message: Message, now: UInt64, random: inout SimulationRandom) {
        sequence += 1
        sent += 1
        inFlight.append(InFlight(deliverAt: now + 1 + UInt64(random.below(maximumDelay)), sequence: sequence, message: message))
    }

    /// The messages due at `now`, in the order they become due (ties by sending order).
    mutating func due(at now: UInt64) -> [Message] {
        let ready = inFlight.filter { $0.deliverAt <= now }.sorted { ($0.deliverAt, $0.sequence) < ($1.deliverAt, $1.sequence) }
        inFlight.removeAll { $0.deliverAt <= now }
        delivered += ready.count
        return ready.map(\.message)
    }
}
