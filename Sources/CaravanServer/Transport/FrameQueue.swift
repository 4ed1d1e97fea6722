import NIOCore

/// Frames waiting for one destination, oldest first, bounded by a frame count and a byte total.
///
/// Past either bound the oldest frames are dropped: raft tolerates message loss and retransmits
/// what it still needs, and the newest messages are the ones worth delivering. The newest frame is
/// always kept, so a single frame larger than the byte bound can still be sent.
struct FrameQueue {
    /// The frames held, oldest first.
    private(set) var frames = CircularBuffer<[UInt8]>()
    /// The payload bytes held (length prefixes not counted).
    private(set) var byteCount = 0
    let maxFrames: Int
    let maxBytes: Int

    /// A queue bounded by ``PeerTransportLimits/outboundQueueFrames`` and
    /// ``PeerTransportLimits/outboundQueueBytes``.
    init(limits: PeerTransportLimits = PeerTransportLimits()) {
        maxFrames = limits.outboundQueueFrames
        maxBytes = limits.outboundQueueBytes
    }

    var isEmpty: Bool { frames.isEmpty }

    /// Appends `frame`, dropping the oldest frames while a bound is exceeded.
    mutating func append(_ frame: [UInt8]) {
        frames.append(frame)
        byteCount += frame.count
        while frames.count > 1 && (frames.count > maxFrames || byteCount > maxBytes) {
            byteCount -= frames.removeFirst().count
        }
    }

    /// Empties the queue, returning what it held, oldest first.
    mutating func removeAll() -> CircularBuffer<[UInt8]> {
        defer {
            frames = CircularBuffer()
            byteCount = 0
        }
        return frames
    }
}
