import Hummingbird
import Synchronization

/// Rendered read responses, shared by every request that asks the same question of the same
/// state.
///
/// A read's answer is determined by its query (path and parameters other than `index` and
/// `wait`) and the index it reports: indexes only move forward, and every change to what a read
/// covers moves its index. So when one write wakes ten thousand parked queries for the same
/// plugin, the first renders the response and the rest send the same bytes.
final class ResponseCache: Sendable {
    private struct Entry {
        let version: UInt64
        let response: Response
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// The response cached for `key` at `version`, or the one `render` makes (then cached).
    func response(for key: String, version: UInt64, render: () -> Response) -> Response {
        if let cached = entries.withLock({ $0[key] }), cached.version == version { return cached.response }
        let response = render()
        entries.withLock { entries in
            if entries.count >= capacity, entries[key] == nil { entries.removeAll(keepingCapacity: true) }
            if let current = entries[key], current.version > version { return }
            entries[key] = Entry(version: version, response: response)
        }
        return response
    }
}
