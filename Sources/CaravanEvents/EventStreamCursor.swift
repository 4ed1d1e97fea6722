/// Where one stream stands in the journal and what it sends next: the decisions of an event
/// stream, apart from its waiting and writing, so that the agent's streams (``EventStreamPump``)
/// and the simulator's subscribers run the same code.
///
/// - A start index older than the journal covers is answered first with one
///   ``EventStreamLines/gap(from:resumingAt:)`` line, then the events from the first index the
///   journal covers: the client learns which indexes it may have missed.
/// - A stream that falls behind while it runs (the journal dropped events it had not sent) ends
///   with an error line; it can resubscribe from the last index it read.
/// - After each entry with an ACL event, `authorize` decides whether the stream may go on; a
///   reason ends it with an error line.
public struct EventStreamCursor: Sendable {
    /// What to do next.
    public enum Step: Sendable, Equatable {
        /// Send these lines (never empty), then step again.
        case send([UInt8])
        /// Send these lines (perhaps none) and wait: the stream has read everything applied.
        case wait([UInt8])
        /// Send this last line and end the stream.
        case end([UInt8])
    }

    public let subscription: EventSubscription
    /// The next index the stream reads from; 0 before the first read of a stream that asked for
    /// the oldest event kept.
    public private(set) var next: UInt64
    private var started = false
    /// Lines are sent in chunks of about this many bytes.
    public var chunkBytes = 64 << 10
    /// Batches read from the journal at once.
    public var batchesPerRead = 256

    /// A stream from `startIndex` (the request's `index`; 0: the oldest event kept).
    public init(subscription: EventSubscription, startIndex: UInt64) {
        self.subscription = subscription
        self.next = startIndex
    }

    /// Reads what the journal holds from ``next`` on and says what to send.
    public mutating func step(in journal: EventJournal, authorize: () -> String?) -> Step {
        var chunk: [UInt8] = []
        while true {
            switch journal.read(from: next, limit: batchesPerRead) {
            case .gap(let resumingAt):
                guard !started else { return .end(chunk + EventStreamLines.error(EventStreamLines.fellBehind(at: next))) }
                started = true
                chunk += EventStreamLines.gap(from: next, resumingAt: resumingAt)
                next = resumingAt
            case .batches(let batches, let after):
                started = true
                for batch in batches {
                    if let line = subscription.line(for: batch) { chunk += line }
                    if batch.events.contains(where: \.topic.isACL), let reason = authorize() {
                        return .end(chunk + EventStreamLines.error(reason))
                    }
                    if chunk.count >= chunkBytes {
                        next = batch.index + 1
                        return .send(chunk)
                    }
                }
                next = after
                if batches.count < batchesPerRead { return .wait(chunk) }
            }
        }
    }
}

extension EventTopic {
    var isACL: Bool { self == .aclToken || self == .aclPolicy }
}
