import Synchronization

/// How many API connections each client IP address holds open, shared by every event loop, for
/// ``ConnectionLimits/maxConnectionsPerClient``.
final class ClientConnectionCounts: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts a new connection from `address`; false (and nothing counted) if the address holds
    /// its limit already.
    func open(_ address: String) -> Bool {
        counts.withLock { counts in
            let open = counts[address, default: 0]
            guard limit == 0 || open < limit else { return false }
            counts[address] = open + 1
            return true
        }
    }

    /// Forgets a connection ``open(_:)`` counted.
    func close(_ address: String) {
        counts.withLock { counts in
            let open = counts[address, default: 0] - 1
            counts[address] = open > 0 ? open : nil
        }
    }

    /// The connections `address` holds open.
    func count(_ address: String) -> Int {
        counts.withLock { $0[address, default: 0] }
    }
}
