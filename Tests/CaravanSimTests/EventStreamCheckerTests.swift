import CaravanDurability
import CaravanEvents
import CaravanRaft
import CaravanState
import Foundation
import Testing

@testable import CaravanSim

/// The event-stream checker on a small committed log and the lines a journal that applied it
/// sends: what it lets pass, and each way a stream can be wrong.
struct EventStreamCheckerTests {
    /// Six node registrations, of node-1, node-2, node-0, node-1, node-2, node-0, their plugin
    /// healthy at even indexes: each makes a Node event, and the four that change the `ebs`
    /// plugin (2, 4, 5 and 6; an unhealthy node does not join it) a CSIPlugin event too.
    static let log: [LogEntry] = (1...6).map { index in
        let command = Workload.nodeRegistration(
            node: index % 3, value: index, healthy: index % 2 == 0, controller: false, time: SimulatedCluster.epoch)
        return LogEntry(index: UInt64(index), term: 1, data: command.encoded())
    }
    static let everything = EventSubscription(topics: EventSubscription.allTopics, namespaces: ["default"])
    static let nodes = EventSubscription(topics: ["Node": ["*"]], namespaces: ["default"])
    static let node1 = EventSubscription(topics: ["Node": ["node-1"]], namespaces: ["default"])

    /// A checker that knows the log as committed, with subscriber 0 connected on `subscription`
    /// from `index`.
    static func checker(_ subscription: EventSubscription, from index: UInt64 = 1) throws -> EventStreamChecker {
        var checker = EventStreamChecker()
        for entry in log { try checker.committed.replay(entry) }
        checker.connected(0, "test", subscription: subscription, from: index)
        return checker
    }

    /// The lines (without their newlines) a server whose journal applied the log, then dropped
    /// the events through `trimmed`, sends a new stream of `subscription` from `index`.
    static func lines(_ subscription: EventSubscription, from index: UInt64 = 1, trimmed: UInt64 = 0) -> [[UInt8]] {
        let journal = EventJournal(after: 0, capacity: 16)
        var machine = StateMachine()
        for entry in log {
            let before = machine.state
            journal.record(machine.apply(entry), before: before, after: machine.state)
        }
        journal.trim(through: trimmed)
        var cursor = EventStreamCursor(subscription: subscription, startIndex: index)
        guard case .wait(let bytes) = cursor.step(in: journal, authorize: { nil }) else { return [] }
        return bytes.split(separator: UInt8(ascii: "\n")).map { Array($0) }
    }

    /// Feeds `lines` to subscriber 0 of `checker`, returning what each said.
    static func feed(_ lines: [[UInt8]], to checker: inout EventStreamChecker) throws -> [EventStreamChecker.Line] {
        try lines.map { try checker.received($0, by: 0) }
    }

    // MARK: What passes

    @Test(
        "a stream that sends every committed event of its subscription, once and in index order, passes",
        arguments: [(everything, [1, 2, 3, 4, 5, 6], 10), (nodes, [1, 2, 3, 4, 5, 6], 6), (node1, [1, 4], 2)])
    func completeStream(subscription: EventSubscription, indexes: [UInt64], events: Int) throws {
        var checker = try Self.checker(subscription)
        let received = try Self.feed(Self.lines(subscription), to: &checker)
        #expect(received.compactMap(\.index) == indexes)
        #expect(received.reduce(0) { total, line in if case .events(_, let count) = line { total + count } else { total } } == events)
        try checker.caughtUp(0, through: 6)
        #expect(checker.checks == indexes.count + 1)
    }

    @Test("a gap the server announces first, from the index asked for, excuses the indexes in it")
    func announcedGap() throws {
        var checker = try Self.checker(Self.nodes)
        let received = try Self.feed(Self.lines(Self.nodes, trimmed: 3), to: &checker)
        #expect(received.first == .gap(from: 1, resumingAt: 4))
        #expect(received.compactMap(\.index) == [3, 4, 5, 6])
        try checker.caughtUp(0, through: 6)
    }

    @Test("a subscriber that resumes after its last line on another server gets the rest, and none twice")
    func resumedElsewhere() throws {
        var checker = try Self.checker(Self.node1)
        let first = Self.lines(Self.node1)
        _ = try checker.received(first[0], by: 0)
        checker.connected(0, "test", subscription: Self.node1, from: 2)
        #expect(try Self.feed(Self.lines(Self.node1, from: 2), to: &checker) == [.events(index: 4, count: 1)])
        try checker.caughtUp(0, through: 6)
    }

    @Test("the error line that ends a stream tells the subscriber to resubscribe")
    func endedStream() throws {
        var checker = try Self.checker(Self.nodes)
        let line = EventStreamLines.error(EventStreamLines.fellBehind(at: 3)).dropLast()
        #expect(
            try checker.received(Array(line), by: 0)
                == .ended(reason: "subscription closed by server, client should resubscribe: \(EventStreamLines.fellBehind(at: 3))"))
    }

    // MARK: What fails

    /// The failure `body` throws, for its message.
    static func failure(_ body: () throws -> Void) -> String {
        let failure = #expect(throws: SimulationFailure.self) { try body() }
        return failure?.description ?? ""
    }

    @Test("a stream that skips a committed index of its subscription fails the check, at its next line or at the end")
    func missingIndex() throws {
        var lines = Self.lines(Self.nodes)
        lines.remove(at: 2)
        var checker = try Self.checker(Self.nodes)
        #expect(Self.failure { _ = try Self.feed(lines, to: &checker) }.hasSuffix("received index 4 without the committed events of index 3"))
        var last = try Self.checker(Self.nodes)
        _ = try Self.feed(Array(Self.lines(Self.nodes).dropLast()), to: &last)
        #expect(Self.failure { try last.caughtUp(0, through: 6) }.contains("never received the committed events of index 6"))
    }

    @Test("a stream that sends an index twice fails the check, on one connection or after resuming")
    func duplicateIndex() throws {
        let lines = Self.lines(Self.node1)
        var checker = try Self.checker(Self.node1)
        _ = try checker.received(lines[0], by: 0)
        #expect(Self.failure { _ = try checker.received(lines[0], by: 0) }.hasSuffix("received index 1 twice"))
        var resumed = try Self.checker(Self.node1)
        _ = try resumed.received(lines[0], by: 0)
        resumed.connected(0, "test", subscription: Self.node1, from: 2)
        #expect(Self.failure { _ = try resumed.received(lines[0], by: 0) }.hasSuffix("received index 1 twice"))
    }

    @Test("a stream that sends an index older than one it sent fails the check")
    func outOfOrder() throws {
        let lines = Self.lines(Self.nodes)
        var checker = try Self.checker(Self.nodes, from: 4)
        _ = try checker.received(lines[3], by: 0)
        #expect(Self.failure { _ = try checker.received(lines[2], by: 0) }.hasSuffix("received index 3 after 4"))
    }

    @Test("a line whose events differ from the committed log's at its index fails the check: another object, or the same one changed")
    func wrongEvents() throws {
        // node-2's registration at index 2, sent as the line of index 4 (node-1's).
        let other = Array(
            String(decoding: Self.lines(Self.nodes)[1], as: UTF8.self).replacingOccurrences(of: #"{"Index":2,"#, with: #"{"Index":4,"#).utf8)
        var checker = try Self.checker(Self.nodes, from: 4)
        #expect(
            Self.failure { _ = try checker.received(other, by: 0) }.hasSuffix(
                "Node NodeRegistration node-1 0 times, committed 1; Node NodeRegistration node-2 1 times, committed 0"))
        // node-1's registration at index 4 with the health it had at index 1.
        let line = String(decoding: Self.lines(Self.node1)[1], as: UTF8.self)
        #expect(line.contains("write 4"))
        let changed = Array(line.replacingOccurrences(of: "write 4", with: "write 1").utf8)
        var same = try Self.checker(Self.node1, from: 2)
        #expect(Self.failure { _ = try same.received(changed, by: 0) }.hasSuffix("Node NodeRegistration node-1 not as committed"))
    }

    @Test("a line past the committed log fails the check")
    func uncommittedIndex() throws {
        let line = Array(String(decoding: Self.lines(Self.node1)[1], as: UTF8.self).replacingOccurrences(of: #""Index":4"#, with: #""Index":7"#).utf8)
        var checker = try Self.checker(Self.node1, from: 2)
        #expect(Self.failure { _ = try checker.received(line, by: 0) }.hasSuffix("received index 7, past the committed log's 6"))
    }

    @Test("a gap announced in the middle of a stream, or from another index than the one asked for, fails the check")
    func misplacedGap() throws {
        let gap = Array(EventStreamLines.gap(from: 2, resumingAt: 4).dropLast())
        var checker = try Self.checker(Self.nodes)
        _ = try checker.received(Self.lines(Self.nodes)[0], by: 0)
        #expect(Self.failure { _ = try checker.received(gap, by: 0) }.hasSuffix("was told of a gap [2, 4) at index 3 in the middle of a stream"))
        var elsewhere = try Self.checker(Self.nodes)
        #expect(Self.failure { _ = try elsewhere.received(gap, by: 0) }.hasSuffix("was told of a gap [2, 4) at index 3 asking from 1"))
    }
}
