import Testing

@testable import CaravanState

/// The wake rule of blocking queries, without any waiting: which parked waiters an entry wakes.
struct WatchTableTests {
    static func changes(_ keys: [WatchKey]) -> ChangeSet {
        var changes = ChangeSet()
        for key in keys { changes.insert(key) }
        return changes
    }

    @Test("an entry wakes the waiters parked on a key it changed, and no others")
    func wakesOnlyChangedKeys() {
        var table = WatchTable<String>()
        let parked = [
            table.park(1, on: [.node("a")], seenIndex: 0, waiter: "node a"),
            table.park(2, on: [.node("b")], seenIndex: 0, waiter: "node b"),
            table.park(3, on: [.table(.nodes)], seenIndex: 0, waiter: "nodes"),
        ]
        #expect(parked == [true, true, true])
        let woken = table.notify(Self.changes([.node("a")]), index: 5)
        #expect(woken == ["node a", "nodes"])
        #expect(table.parkedCount == 1)
        let none = table.notify(Self.changes([.plugin("p")]), index: 6)
        #expect(none.isEmpty)
        let left = table.unpark(2)
        #expect(left == "node b")
    }

    @Test("a waiter that read before the last announced entry is not parked: it must re-read")
    func noLostWakeup() {
        var table = WatchTable<Int>()
        _ = table.notify(Self.changes([.node("a")]), index: 7)
        let stale = table.park(1, on: [.node("a")], seenIndex: 6, waiter: 1)
        let current = table.park(1, on: [.node("a")], seenIndex: 7, waiter: 1)
        #expect(!stale && current)
    }

    @Test("replacing the whole state wakes every waiter")
    func restoreWakesAll() {
        var table = WatchTable<Int>()
        for id in UInt64(1)...3 { _ = table.park(id, on: [.node("n\(id)")], seenIndex: 0, waiter: Int(id)) }
        let woken = table.notifyAll(index: 10)
        #expect(woken == [1, 2, 3])
        #expect(table.parkedCount == 0 && table.announcedIndex == 10)
    }
}
