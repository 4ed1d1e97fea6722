import CaravanRaft
import CaravanState

/// The committed log as the cluster agreed on it, entry by entry, from whichever server applied
/// each entry first: the oracle the checkers compare servers and watchers against. It keeps, for
/// every query the watchers run, the answer after each entry that may have changed it, so a
/// watcher's answer at index X can be compared with what the log says the answer at X was.
struct CommittedHistory {
    /// The last committed index applied anywhere.
    private(set) var index: UInt64 = 0
    /// Every committed entry, in order, when the run records its log.
    private(set) var log: [LogEntry] = []
    private let keepsLog: Bool
    /// The queries the watchers run, by each key a change of which may change their answers.
    let queries: [WatchKey: [WatchQuery]]
    private var answers: [WatchQuery: [(index: UInt64, view: QueryView)]] = [:]

    init(queries: [WatchQuery], keepsLog: Bool) {
        var byKey: [WatchKey: [WatchQuery]] = [:]
        for query in Set(queries) {
            for key in query.dependencies { byKey[key, default: []].append(query) }
        }
        self.queries = byKey
        self.keepsLog = keepsLog
    }

    /// The answers of `queries` that `changes` may have changed, read from `state`.
    static func answers(of queries: [WatchKey: [WatchQuery]], changedBy changes: ChangeSet, in state: StateVersion) -> [(WatchQuery, QueryView)] {
        var touched = Set<WatchQuery>()
        for key in changes.keys { touched.formUnion(queries[key] ?? []) }
        return touched.map { ($0, $0.view(of: state)) }
    }

    /// Records the next committed entry, with the answers it may have changed.
    mutating func record(_ entry: LogEntry, answers changed: [(WatchQuery, QueryView)]) {
        index = entry.index
        if keepsLog { log.append(entry) }
        for (query, view) in changed { answers[query, default: []].append((entry.index, view)) }
    }

    /// What `query` answered once the log was applied through `index`: the answer recorded at
    /// the last change at or before `index`, or the empty answer if nothing had changed it yet.
    func view(of query: WatchQuery, at index: UInt64) -> QueryView {
        let history = answers[query] ?? []
        var low = 0
        var high = history.count
        while low < high {
            let middle = (low + high) / 2
            if history[middle].index <= index { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? query.view(of: StateVersion()) : history[low - 1].view
    }
}
