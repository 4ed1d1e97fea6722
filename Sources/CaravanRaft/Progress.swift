/// What a leader knows of one follower's log and how it is sending to it.
struct Progress: Sendable, Hashable {
    enum State: Sendable, Hashable {
        /// Sends one AppendEntries at a time until it finds where the logs match.
        case probe
        /// The logs match: AppendEntries are pipelined, up to the in-flight window.
        case replicate
        /// The entries the follower needs are compacted away: a snapshot is on its way.
        case snapshot
    }

    /// The highest index known to match the leader's log.
    var match: UInt64 = 0
    /// The next index to send.
    var next: UInt64
    var state = State.probe
    /// In probe state: an AppendEntries is out and unanswered (wait for it or a heartbeat).
    var probeSent = false
    /// Whether the follower answered since the last CheckQuorum round.
    var recentActive = false
    var inflights: Inflights
    /// In snapshot state: the snapshot being sent and the offset to send next.
    var snapshotIndex: UInt64 = 0
    var snapshotOffset: UInt64 = 0
    /// Chunks of the snapshot sent but not yet acknowledged.
    var snapshotChunksInFlight = 0
    /// The bytes of the snapshot the follower is known to hold; the chunks in flight are counted
    /// from it, so duplicated or out-of-order answers never widen the window.
    var snapshotAcknowledged: UInt64 = 0
    /// The offset the last refusal made the leader resend from: the refusals of chunks sent
    /// before that resend must not trigger another.
    var snapshotResentFrom: UInt64?
    /// Heartbeat answers since the last chunk acknowledgement; two in a row mean chunks were lost.
    var snapshotStalledBeats = 0

    init(next: UInt64, inflights: Inflights) {
        self.next = next
        self.inflights = inflights
    }

    /// Whether the leader should hold back AppendEntries.
    var isPaused: Bool {
        switch state {
        case .probe: probeSent
        case .replicate: inflights.isFull
        case .snapshot: true
        }
    }

    mutating func becomeProbe() {
        if state == .snapshot {
            next = max(match + 1, snapshotIndex + 1)
        } else {
            next = match + 1
        }
        state = .probe
        probeSent = false
        inflights.reset()
        snapshotIndex = 0
        snapshotOffset = 0
        snapshotChunksInFlight = 0
        snapshotAcknowledged = 0
        snapshotResentFrom = nil
    }

    mutating func becomeReplicate() {
        state = .replicate
        next = match + 1
        probeSent = false
        inflights.reset()
    }

    mutating func becomeSnapshot(index: UInt64) {
        state = .snapshot
        snapshotIndex = index
        snapshotOffset = 0
        snapshotChunksInFlight = 0
        snapshotAcknowledged = 0
        snapshotResentFrom = nil
        inflights.reset()
    }

    /// Records an acknowledgement of everything through `index`; false when it says nothing new.
    mutating func acknowledge(_ index: UInt64) -> Bool {
        var updated = false
        if match < index {
            match = index
            updated = true
            probeSent = false
        }
        next = max(next, index + 1)
        return updated
    }

    /// Handles a rejection of the AppendEntries at `rejected`, moving `next` back to just after
    /// `hint`; false when the rejection is stale.
    mutating func backOff(rejected: UInt64, hint: UInt64) -> Bool {
        if state == .replicate {
            guard rejected > match else { return false }
            next = match + 1
            return true
        }
        guard next == rejected + 1 else { return false }
        next = max(min(rejected, hint + 1), match + 1)
        probeSent = false
        return true
    }

    /// Notes that entries through `last`, of `bytes` bytes, went out.
    mutating func sent(last: UInt64, count: Int, bytes: Int) {
        switch state {
        case .replicate:
            if count > 0 {
                next = last + 1
                inflights.add(index: last, bytes: bytes)
            }
        case .probe:
            probeSent = true
        case .snapshot:
            break
        }
    }
}

/// The bounded window of AppendEntries in flight to one follower, by count and by bytes
/// (flow control): each is remembered by its last index and size until acknowledged.
struct Inflights: Sendable, Hashable {
    let maxCount: Int
    let maxBytes: Int
    private var window: [(index: UInt64, bytes: Int)] = []
    private var start = 0
    private var bytes = 0

    init(maxCount: Int, maxBytes: Int) {
        self.maxCount = maxCount
        self.maxBytes = maxBytes
    }

    var count: Int { window.count - start }
    var isFull: Bool { count >= maxCount || (maxBytes > 0 && bytes >= maxBytes) }

    mutating func add(index: UInt64, bytes size: Int) {
        window.append((index, size))
        bytes += size
    }

    /// Frees every message whose last index is at most `index`.
    mutating func free(through index: UInt64) {
        while start < window.count, window[start].index <= index {
            bytes -= window[start].bytes
            start += 1
        }
        if start > 64, start * 2 > window.count {
            window.removeFirst(start)
            start = 0
        }
    }

    /// Frees the oldest message (a heartbeat answer from a full window means it is still alive).
    mutating func freeFirst() {
        guard start < window.count else { return }
        free(through: window[start].index)
    }

    mutating func reset() {
        window = []
        start = 0
        bytes = 0
    }

    static func == (lhs: Inflights, rhs: Inflights) -> Bool {
        lhs.count == rhs.count && lhs.bytes == rhs.bytes
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        hasher.combine(bytes)
    }
}
