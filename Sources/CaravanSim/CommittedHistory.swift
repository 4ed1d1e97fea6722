import CaravanRaft
import CaravanState

/// The committed log as the cluster agreed on it, entry by entry, from whichever server applied
/// each entry first: the oracle the checkers compare servers and watchers against. It keeps, for
/// every query the watchers run, the answer after each entry that changed it, so a watcher's
/// answer at index X can be compared with what the log says the answer at X was.
struct CommittedHistory {
    /// The last committed index applied anywhere.
    private(set) var index: UInt64 = 0
    /// Every committed entry, in order, when the run records its log.
    private(set) var log: [LogEntry] = []
    private let keepsLog: Bool
    /// The queries the watchers run, by the key each parks on.
    let queries: [WatchKey: WatchQuery]
    private var answers: [WatchKey: [(index: UInt64, view: QueryView)]] = [:]

    init(queries: [WatchQuery], keepsLog: Bool) {
        self.queries = Dictionary(queries.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        self.keepsLog = keepsLog
    }

    /// The answers of `queries` that `changes` changed, read from `state`.
    static func answers(of queries: [WatchKey: WatchQuery], changedBy changes: ChangeSet, in state: StateVersion) -> [(WatchKey, QueryView)] {
        changes.keys.compactMap { key in queries[key].map { (key, $0.view(of: state)) } }
    }

    /// Records the next committed entry, with the answers it changed.
    mutating func record(_ entry: LogEntry, answers changed: [(WatchKey, QueryView)]) {
        index = entry.index
        if keepsLog { log.append(entry) }
        for (key, view) in changed { answers[key, default: []].append((entry.index, view)) }
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
        return low == 0 ? query.view(of: StateVersion()) : history[low - 1].view
    }
}
