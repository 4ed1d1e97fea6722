public import Logging
import Synchronization

/// Log lines about refused connections and frames, at most one per kind of refusal every ten
/// seconds (with the number of refusals it stood for), so that a flood of hostile traffic cannot
/// flood the log too.
public final class RateLimitedLog: Sendable {
    private struct Entry {
        var lastLogged: ContinuousClock.Instant
        var suppressed: Int
    }

    private let logger: Logger
    private let interval: Duration
    private let entries = Mutex<(byKind: [String: Entry], total: Int)>(([:], 0))

    public init(logger: Logger, interval: Duration = .seconds(10)) {
        self.logger = logger
        self.interval = interval
    }

    /// How many refusals were reported, logged or not.
    public var count: Int { entries.withLock { $0.total } }

    /// Logs `message` at warning level under `kind`, unless a line of that kind went out within
    /// the interval; a line that follows suppressed ones says how many.
    public func warning(_ kind: String, _ message: @autoclosure () -> String) {
        let now = ContinuousClock.now
        let suppressed = entries.withLock { entries -> Int? in
            entries.total += 1
            if var entry = entries.byKind[kind], now - entry.lastLogged < interval {
                entry.suppressed += 1
                entries.byKind[kind] = entry
                return nil
            }
            let suppressed = entries.byKind[kind]?.suppressed ?? 0
            entries.byKind[kind] = Entry(lastLogged: now, suppressed: 0)
            return suppressed
        }
        guard let suppressed else { return }
        let more = suppressed > 0 ? " (and \(suppressed) more like it since the last line)" : ""
        logger.warning("\(message())\(more)")
    }
}
