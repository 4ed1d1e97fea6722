/// Where a stream's bytes go: the body of an HTTP response, or a test's buffer.
public protocol EventSink {
    /// Writes `bytes`, waiting while the reader is slow (the sink's buffer is bounded).
    mutating func write(_ bytes: [UInt8]) async throws
}

/// Sends one subscription's events from the journal to a sink, as Nomad's event stream does:
/// `{}` at once and whenever a heartbeat is due while idle, a line `{"Index":N,"Events":[…]}`
/// for each applied entry with an event the subscription passes, in index order.
///
/// - A start index older than the journal covers is answered first with one
///   ``EventStreamLines/gap(from:resumingAt:)`` line, then the events from the first index the
///   journal covers: the client learns which indexes it may have missed.
/// - A stream that falls behind while it runs (the journal dropped events it had not sent) ends
///   with an error line; it can resubscribe from the last index it read.
/// - After each entry with an ACL event, `authorize` decides whether the stream may go on; a
///   reason ends it with an error line.
///
/// The pump holds at most one chunk of lines (about ``chunkBytes``) beyond what the sink
/// buffers; appending to the journal never waits for it.
public struct EventStreamPump: Sendable {
    public let journal: EventJournal
    public let subscription: EventSubscription
    /// The request's `index`: the first index wanted; 0 starts at the oldest event kept.
    public let startIndex: UInt64
    /// Called after an entry with an ACL event; returns why the stream must end, or nil.
    public let authorize: @Sendable () -> String?
    /// Lines are written in chunks of about this many bytes.
    public var chunkBytes = 64 << 10
    /// Batches read from the journal at once.
    public var batchesPerRead = 256

    public init(journal: EventJournal, subscription: EventSubscription, startIndex: UInt64, authorize: @escaping @Sendable () -> String?) {
        self.journal = journal
        self.subscription = subscription
        self.startIndex = startIndex
        self.authorize = authorize
    }

    /// Runs the stream until the journal closes, the task is cancelled, the sink fails, or the
    /// stream must end (its last line then says why).
    public func run(into sink: inout some EventSink) async throws {
        let id = journal.reserve()
        defer { journal.release(id) }
        try await sink.write(EventStreamLines.heartbeat)
        var cursor = startIndex
        var started = false
        while true {
            switch journal.read(from: cursor, limit: batchesPerRead) {
            case .gap(let resumingAt):
                if started {
                    try await sink.write(EventStreamLines.error(EventStreamLines.fellBehind(at: cursor)))
                    return
                }
                try await sink.write(EventStreamLines.gap(from: cursor, resumingAt: resumingAt))
                cursor = resumingAt
                started = true
            case .batches(let batches, let next):
                started = true
                var chunk: [UInt8] = []
                for batch in batches {
                    if let line = subscription.line(for: batch) { chunk += line }
                    if batch.events.contains(where: \.topic.isACL), let reason = authorize() {
                        try await sink.write(chunk + EventStreamLines.error(reason))
                        return
                    }
                    if chunk.count >= chunkBytes {
                        try await sink.write(chunk)
                        chunk = []
                    }
                }
                if !chunk.isEmpty { try await sink.write(chunk) }
                cursor = next
                guard batches.isEmpty else { continue }
                switch await journal.park(id, at: cursor) {
                case .appended: continue
                case .expired: try await sink.write(EventStreamLines.heartbeat)
                case .closed: return
                }
            }
        }
    }
}

extension EventTopic {
    var isACL: Bool { self == .aclToken || self == .aclPolicy }
}
