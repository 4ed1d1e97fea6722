import CaravanEvents

/// A simulated client of the event stream (`GET /v1/event/stream?topic=…&namespace=…&index=N`),
/// connected to one server at a time: its subscription, the stream's cursor in that server's
/// journal, and the index of the last line it received, after which it resumes on any server
/// (Nomad's `index=N` starts at the first batch at or after N).
struct EventSubscriber {
    let subscription: EventSubscription
    /// The request's query, for messages and the trace.
    let query: String
    /// The index its first request asked for: 1 (everything, or a gap line saying what is no
    /// longer kept) or 0 (the oldest event the server keeps).
    let firstIndex: UInt64
    var server: Int
    var phase: Phase
    /// The index of the last line received, events or gap (0: none yet).
    var lastIndex: UInt64 = 0

    enum Phase {
        /// Not connected; it connects at `until`.
        case disconnected(until: UInt64)
        /// Reading its server's stream through `cursor` until its session ends at `leavesAt`; a
        /// slow reader reads nothing before `readsAt`, while the journal goes on without it.
        case streaming(EventStreamCursor, readsAt: UInt64, leavesAt: UInt64)
    }

    /// The index it asks for when it connects: after the last line it received, or its first
    /// request's.
    var resumeIndex: UInt64 { lastIndex > 0 ? lastIndex + 1 : firstIndex }
}
