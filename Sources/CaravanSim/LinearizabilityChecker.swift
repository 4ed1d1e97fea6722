/// Decides whether a history of register writes and reads is linearizable, as Porcupine does:
/// the history is split per key (a register per node), and each key's operations are searched
/// with the Wing–Gong algorithm with Lowe's memoization — linearize an operation whose call is
/// pending, backtrack when an answer arrives before its operation was placed, and never revisit
/// a (set of placed operations, register value) pair. A write whose answer never came may take
/// effect at any point after its call, or not at all.
struct LinearizabilityChecker {
    /// Search steps allowed over the whole history before the verdict is "unknown".
    var stepBudget = 2_000_000

    func check(_ history: [Operation]) -> LinearizabilityVerdict {
        var byKey: [Int: [Operation]] = [:]
        for operation in history { byKey[operation.key, default: []].append(operation) }
        var budget = stepBudget
        for key in byKey.keys.sorted() {
            switch Self.check(byKey[key]!, budget: &budget) {
            case true?: continue
            case false?: return .violated(key: key)
            case nil: return .unknown
            }
        }
        return .linearizable
    }

    /// One event of the search list: an operation's call or its answer.
    private struct Event {
        let operation: Int
        let isCall: Bool
        let time: UInt64
    }

    private struct Visited: Hashable {
        let placed: [UInt64]
        let value: Int
    }

    /// True if linearizable, false if not, nil when the budget ran out.
    private static func check(_ operations: [Operation], budget: inout Int) -> Bool? {
        guard !operations.isEmpty else { return true }
        var events: [Event] = []
        for (number, operation) in operations.enumerated() {
            events.append(Event(operation: number, isCall: true, time: operation.call))
            events.append(Event(operation: number, isCall: false, time: operation.answer ?? .max))
        }
        events.sort { ($0.time, $0.isCall ? 0 : 1, $0.operation) < ($1.time, $1.isCall ? 0 : 1, $1.operation) }
        // A doubly linked list over the events; `head` is a sentinel, -1 ends the list.
        let head = events.count
        var next = Array(1...events.count) + [0]
        var previous = [head] + Array(0..<events.count)
        next[events.count - 1] = -1
        next[head] = 0
        var answerOf = [Int](repeating: 0, count: operations.count)
        for (position, event) in events.enumerated() where !event.isCall { answerOf[event.operation] = position }

        func unlink(_ position: Int) {
            next[previous[position]] = next[position]
            if next[position] != -1 { previous[next[position]] = previous[position] }
        }
        func relink(_ position: Int) {
            next[previous[position]] = position
            if next[position] != -1 { previous[next[position]] = position }
        }

        var placed = [UInt64](repeating: 0, count: (operations.count + 63) / 64)
        var value = 0
        var stack: [(position: Int, value: Int)] = []
        var visited: Set<Visited> = []
        var position = next[head]
        while next[head] != -1 {
            budget -= 1
            if budget < 0 { return nil }
            let event = events[position]
            if event.isCall {
                let operation = operations[event.operation]
                let after: Int?
                switch operation.kind {
                case .write(let written): after = written
                case .read(let seen): after = seen == value ? value : nil
                }
                if let after {
                    var placedAfter = placed
                    placedAfter[event.operation / 64] |= 1 << UInt64(event.operation % 64)
                    if visited.insert(Visited(placed: placedAfter, value: after)).inserted {
                        stack.append((position, value))
                        placed = placedAfter
                        value = after
                        unlink(position)
                        unlink(answerOf[event.operation])
                        position = next[head]
                        continue
                    }
                }
                position = next[position]
            } else {
                guard let top = stack.popLast() else { return false }
                let operation = events[top.position].operation
                value = top.value
                placed[operation / 64] &= ~(1 << UInt64(operation % 64))
                relink(answerOf[operation])
                relink(top.position)
                position = next[top.position]
            }
        }
        return true
    }
}
