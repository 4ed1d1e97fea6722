import CaravanTestSupport
import Testing

@testable import CaravanState

/// Parking and waking blocking queries.
struct WatchRegistryTests {
    static func changes(_ keys: WatchKey...) -> ChangeSet {
        var set = ChangeSet()
        for key in keys { set.insert(key) }
        return set
    }

    @Test("a parked query wakes when a change names its key")
    func wakesOnKey() async throws {
        let registry = WatchRegistry()
        let id = registry.reserve()
        async let wake = registry.park(id, on: [.plugin("foo")], seenIndex: 0)
        try await eventually("1 parked") { registry.parkedCount == 1 }
        registry.notify(Self.changes(.plugin("foo")), index: 1)
        #expect(await wake == .changed)
        #expect(registry.parkedCount == 0)
    }

    @Test("an unrelated change does not wake a detail query")
    func unrelatedChange() async throws {
        let registry = WatchRegistry()
        let id = registry.reserve()
        async let wake = registry.park(id, on: [.plugin("foo")], seenIndex: 0)
        try await eventually("1 parked") { registry.parkedCount == 1 }
        registry.notify(Self.changes(.plugin("bar")), index: 1)
        registry.notify(Self.changes(.node("n1")), index: 2)
        #expect(registry.parkedCount == 1, "still parked after two unrelated entries")
        registry.expire(id)
        #expect(await wake == .expired)
    }

    @Test("a list query wakes on any change to its table")
    func tableWake() async throws {
        let registry = WatchRegistry()
        let id = registry.reserve()
        async let wake = registry.park(id, on: [.table(.plugins)], seenIndex: 0)
        try await eventually("1 parked") { registry.parkedCount == 1 }
        registry.notify(Self.changes(.plugin("anything")), index: 1)
        #expect(await wake == .changed)
    }

    @Test("a query that read an older version than the last announced one re-reads at once")
    func noLostWakeup() async {
        let registry = WatchRegistry()
        registry.notify(Self.changes(.plugin("foo")), index: 5)
        let id = registry.reserve()
        #expect(await registry.park(id, on: [.plugin("foo")], seenIndex: 4) == .changed)
        #expect(registry.parkedCount == 0)
    }

    @Test("an expiry that arrives before the query parks still ends the wait")
    func expiryBeforePark() async {
        let registry = WatchRegistry()
        let id = registry.reserve()
        registry.expire(id)
        #expect(await registry.park(id, on: [.plugin("foo")], seenIndex: 0) == .expired)
    }

    @Test("cancelling the waiting task resumes it")
    func cancellation() async throws {
        let registry = WatchRegistry()
        let id = registry.reserve()
        let task = Task { await registry.park(id, on: [.plugin("foo")], seenIndex: 0) }
        try await eventually("1 parked") { registry.parkedCount == 1 }
        task.cancel()
        #expect(await task.value == .cancelled)
        #expect(registry.parkedCount == 0)
    }

    @Test("a state replacement wakes every parked query")
    func replacement() async throws {
        let registry = WatchRegistry()
        let ids = (0..<3).map { _ in registry.reserve() }
        try await withThrowingTaskGroup(of: WatchRegistry.Wake.self) { group in
            for (offset, id) in ids.enumerated() {
                group.addTask { await registry.park(id, on: [.node("n\(offset)")], seenIndex: 0) }
            }
            try await eventually("3 parked") { registry.parkedCount == 3 }
            registry.notifyAll(index: 10)
            for try await wake in group { #expect(wake == .changed) }
        }
    }
}
