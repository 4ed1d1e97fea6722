import CaravanDurability
import CaravanRaft
import CaravanState

/// The committed log as the cluster agreed on it, applied once to a state machine of its own:
/// the oracle the checkers compare servers and watchers against. It keeps, for every query the
/// watchers run, the answer after each entry that changed it, so a watcher's answer at index X
/// can be compared with what the log says the answer at X was.
struct ReferenceState {
    private(set) var machine = StateMachine()
    /// Every committed entry, in order, when the run records its log.
    private(set) var log: [LogEntry] = []
    private let keepsLog: Bool
    private let queries: [WatchKey: WatchQuery]
    private var answers: [WatchKey: [(index: UInt64, view: QueryView)]] = [:]

    init(queries: [WatchQuery], keepsLog: Bool) {
        self.queries = Dictionary(queries.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        self.keepsLog = keepsLog
    }

    var index: UInt64 { machine.state.index }

    /// Applies the next committed entry.
    mutating func apply(_ entry: LogEntry) {
        let applied = machine.apply(entry)
        if keepsLog { log.append(entry) }
        for key in applied.changes.keys {
            guard let query = queries[key] else { continue }
            answers[key, default: []].append((entry.index, query.view(of: machine.state)))
        }
    }

    /// What `query` answered once the log was applied through `index`: the answer recorded at
    /// the last change at or before `index`, or the empty answer if nothing had changed it yet.
    func view(of query: WatchQuery, at index: UInt64) -> QueryView {
        let history = answers[query.key] ?? []
        var low = 0
        var high = history.count
        while low < high {
            let middle = (low + high) / 2
            if history[middle].index <= index { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? query.view(of: StateSnapshot()) : history[low - 1].view
    }
}
