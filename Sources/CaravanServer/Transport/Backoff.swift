import NIOCore

/// The wait before the next attempt to reach an unreachable destination: starts at 10 ms,
/// doubles after each failure, is capped at 1 s, and starts over after a successful connect.
struct Backoff {
    static let initial = TimeAmount.milliseconds(10)
    static let maximum = TimeAmount.seconds(1)

    private var upcoming = Backoff.initial

    /// The delay to wait now; the one after it is twice as long, up to ``maximum``.
    mutating func next() -> TimeAmount {
        defer { upcoming = min(.nanoseconds(upcoming.nanoseconds * 2), Backoff.maximum) }
        return upcoming
    }

    /// Starts over at ``initial``.
    mutating func reset() {
        upcoming = Backoff.initial
    }
}
