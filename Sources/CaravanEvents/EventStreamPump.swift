/// Where a stream's bytes go: the body of an HTTP response, or a test's buffer.
public protocol EventSink {
    /// Writes `bytes`, waiting while the reader is slow (the sink's buffer is bounded).
    mutating func write(_ bytes: [UInt8]) async throws
}

/// Sends one subscription's events from the journal to a sink, as Nomad's event stream does:
/// `{}` at once and whenever a heartbeat is due while idle, then what its
/// ``EventStreamCursor`` decides, parking on the journal whenever it has sent everything.
///
/// The pump holds at most one chunk of lines beyond what the sink buffers; appending to the
/// journal never waits for it.
public struct EventStreamPump: Sendable {
    public let journal: EventJournal
    public var cursor: EventStreamCursor
    /// Called after an entry with an ACL event; returns why the stream must end, or nil.
    public let authorize: @Sendable () -> String?

    public init(journal: EventJournal, cursor: EventStreamCursor, authorize: @escaping @Sendable () -> String?) {
        self.journal = journal
        self.cursor = cursor
        self.authorize = authorize
    }

    /// Runs the stream of reservation `id` (``EventJournal/reserve(limit:)``) until the journal
    /// closes, the reservation is released, the task is cancelled, the sink fails, or the stream
    /// must end (its last line then says why).
    public mutating func run(_ id: UInt64, into sink: inout some EventSink) async throws {
        try await sink.write(EventStreamLines.heartbeat)
        while true {
            switch cursor.step(in: journal, authorize: authorize) {
            case .send(let lines):
                try await sink.write(lines)
            case .wait(let lines):
                if !lines.isEmpty { try await sink.write(lines) }
                switch await journal.park(id, at: cursor.next) {
                case .appended: continue
                case .expired: try await sink.write(EventStreamLines.heartbeat)
                case .closed: return
                }
            case .end(let line):
                try await sink.write(line)
                return
            }
        }
    }
}
