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
        let size: Int
    }

    private struct Entries {
        var byKey: [String: Entry] = [:]
        var bytes = 0
    }

    private let entries = Mutex(Entries())
    private let capacity: Int
    private let byteBudget: Int

    /// Holds at most `capacity` responses and `byteBudget` bytes of bodies; past either, it
    /// starts over (the next reads render again). The server's come from ``ServerLimits``.
    init(capacity: Int = ServerLimits().responseCacheEntries, byteBudget: Int = ServerLimits().responseCacheBytes) {
        self.capacity = capacity
        self.byteBudget = byteBudget
    }

    /// The response cached for `key` at `version`, or the one `render` makes (then cached).
    func response(for key: String, version: UInt64, render: () -> Response) -> Response {
        if let cached = entries.withLock({ $0.byKey[key] }), cached.version == version { return cached.response }
        let response = render()
        let size = response.body.contentLength ?? 0
        entries.withLock { entries in
            if let current = entries.byKey[key] {
                guard current.version < version else { return }
                entries.bytes -= current.size
            }
            if entries.byKey.count >= capacity || entries.bytes + size > byteBudget {
                entries = Entries()
            }
            entries.byKey[key] = Entry(version: version, response: response, size: size)
            entries.bytes += size
        }
        return response
    }
}
