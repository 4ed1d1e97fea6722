import CaravanState
import Hummingbird
import NIOCore
import NIOPosix

/// What one run of a read found: the index it reports, the keys whose change would change it,
/// and how to render it once the query is done waiting.
struct QueryAnswer {
    var index: UInt64
    var watch: Set<WatchKey>
    var render: () -> Response
}

/// The `index` and `wait` parameters of a read.
struct BlockingOptions: Sendable {
    /// The index the client has seen; 0 answers at once.
    var minIndex: UInt64 = 0
    /// How long to wait, before jitter.
    var wait: Duration = BlockingOptions.maximumWait
    /// `?stale`: any server may answer from its own state, without asking the leader.
    var stale = false

    /// Nomad's default and cap (`MaxBlockingRPCQueryTime`).
    static let maximumWait: Duration = .seconds(300)

    /// Parses `index` and `wait` (a Go duration, capped at 300 s; 0 or absent means 300 s).
    init(_ query: QueryParameters) throws(APIError) {
        if let text = query["index"], !text.isEmpty {
            guard let value = UInt64(text) else { throw .invalidIndex }
            minIndex = value
        }
        if let text = query["wait"], !text.isEmpty {
            guard let value = GoValues.duration(text) else { throw .invalidWait }
            wait = value <= .zero || value > Self.maximumWait ? Self.maximumWait : value
        }
        stale = try Self.stale(query)
    }

    /// Parses `stale`: present and empty or `true` means stale, `false` or absent not.
    static func stale(_ query: QueryParameters) throws(APIError) -> Bool {
        switch query["stale"] {
        case nil, "false": false
        case "", "true": true
        default: throw .badRequest("Expect `true` or `false` for `stale` query string parameter")
        }
    }

    /// The wait plus uniform jitter in [0, wait/16), spreading the timeouts of queries that
    /// started together (Nomad's `JitterFraction`).
    var waitWithJitter: Duration {
        let nanoseconds = wait.nanoseconds
        let jitter = nanoseconds >= 16 ? Int64.random(in: 0..<(nanoseconds / 16)) : 0
        return .nanoseconds(nanoseconds + jitter)
    }
}

/// Runs a read as Nomad's `blockingRPC` does: answer at once unless the client passed an index
/// the answer has not passed; otherwise park on the answer's keys until an applied entry changes
/// one of them and the re-read answer passes the index, or the wait runs out (then answer 200
/// with the current data and index).
///
/// The rendered response is shared through a ``ResponseCache`` under `key` (the query without
/// `index` and `wait`).
///
/// At most `parkedLimit` queries wait at once (``ServerLimits/parkedQueries``); one more is
/// answered `429 Too Many Requests` instead of parking.
struct BlockingQuery {
    let store: StateStore
    let cache: ResponseCache
    let key: String
    let parkedLimit: Int
    let eventLoop: any EventLoop

    init(
        store: StateStore, cache: ResponseCache, key: String, parkedLimit: Int,
        eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()
    ) {
        self.store = store
        self.cache = cache
        self.key = key
        self.parkedLimit = parkedLimit
        self.eventLoop = eventLoop
    }

    func run(_ options: BlockingOptions, _ query: (StateVersion) -> QueryAnswer) async throws(APIError) -> Response {
        var state = store.state
        var answer = query(state)
        guard options.minIndex > 0, answer.index <= options.minIndex else { return render(answer) }

        let watches = store.watches
        guard let id = watches.reserve(limit: parkedLimit) else {
            throw APIError(.tooManyRequests, ServerNode.tooMany("parked blocking queries", limit: parkedLimit))
        }
        let timeout = TimeAmount.nanoseconds(options.waitWithJitter.nanoseconds)
        let timer = eventLoop.scheduleTask(in: timeout) { watches.expire(id) }
        defer {
            timer.cancel()
            watches.release(id)
        }
        while answer.index <= options.minIndex {
            let wake = await watches.park(id, on: answer.watch, seenIndex: state.index)
            state = store.state
            answer = query(state)
            guard wake == .changed else { break }
        }
        return render(answer)
    }

    private func render(_ answer: QueryAnswer) -> Response {
        cache.response(for: key, version: answer.index, render: answer.render)
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
