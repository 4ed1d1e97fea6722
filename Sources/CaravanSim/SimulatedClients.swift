import CaravanState

/// A simulated user that registers client nodes (each write carrying a unique value, the
/// node's plugin health flapping) and submits plugin jobs, through whichever server leads.
struct WritingClient {
    /// The server it sends to; redirected to the leader when that server does not lead.
    var server: Int
    var idleUntil: UInt64 = 0
    var pending: Pending?

    /// A write proposed on a leader, awaiting the answer that server's core gives its token.
    struct Pending {
        /// The write's place in the history; nil for job submissions, which it does not check.
        let operation: Int?
        /// A namespace or ACL write, which the state machine may refuse (deterministically).
        var mayBeRefused = false
        let server: Int
        let token: UInt64
        let deadline: UInt64
    }
}

/// A simulated user that reads a client node with a consistent read: a read index from the
/// leader (through the server it asks), then the node as that server holds it once it has
/// applied through that index.
struct ReadingClient {
    var server: Int
    var idleUntil: UInt64 = 0
    var pending: Pending?

    struct Pending {
        let key: Int
        let requestID: UInt64
        let call: UInt64
        let deadline: UInt64
        var readIndex: UInt64?
    }
}

/// A simulated user running one blocking query after another against one server, each with
/// `?index=` set to the index the previous answer reported, as Nomad's clients do.
struct LongPollClient {
    var server: Int
    var query: WatchQuery
    /// The index the last answer reported; 0 before the first, and after a reset.
    var lastIndex: UInt64 = 0
    var phase = Phase.idle(until: 0)
    /// Whether the client was told its connection dropped (its server crashed, or it moved to
    /// another server): the next answer may then report a lower index.
    var wasReset = false

    enum Phase {
        case idle(until: UInt64)
        /// Parked on the server's watch table on `keys`, asking for an index past `asked`.
        case parked(asked: UInt64, deadline: UInt64, keys: [WatchKey])
    }
}
