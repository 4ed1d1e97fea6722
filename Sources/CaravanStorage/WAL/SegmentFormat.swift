import CaravanRaft

/// The layout of a WAL segment file.
///
/// A segment starts with a 32-byte header: magic `"CRVNWAL\0"`, format version (u32), zero
/// (u32), base index (u64: the index of the first entry written into it), segment ID (u64,
/// never reused). Frames follow, each 8-byte aligned: an 8-byte frame header — type (u8), a
/// detail byte (an entry frame's ``EntryKind``, else zero), two zero bytes, payload length
/// (u32) — then the payload, zero-padded to a multiple of 8. All
/// integers are little-endian.
///
/// Frames come in batches, one per append: entry frames (or one truncate frame), closed by a
/// commit frame whose CRC-32C covers every byte of the batch before it. A batch is durable once
/// its commit frame is: recovery keeps batches up to the last valid commit frame. Zeros (the
/// pre-allocated space) read as the end of the segment.
enum SegmentFormat {
    static let magic: [UInt8] = Array("CRVNWAL\0".utf8)
    static let version: UInt32 = 1
    static let headerSize = 32
    static let frameHeaderSize = 8

    enum FrameType: UInt8 {
        /// Payload: index (u64), term (u64), the entry's data.
        case entry = 1
        /// Payload: CRC-32C of the batch (u32), number of entries in it (u32).
        case commit = 2
        /// Payload: the last index kept (u64); entries after it are dropped.
        case truncate = 3
    }

    static func padded(_ length: Int) -> Int { (length + 7) & ~7 }

    static func header(baseIndex: UInt64, segmentID: UInt64) -> [UInt8] {
        var bytes = magic
        bytes.appendLittleEndian(version)
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(baseIndex)
        bytes.appendLittleEndian(segmentID)
        return bytes
    }

    /// The segment header's fields, or why it is not one.
    static func parseHeader(_ bytes: [UInt8]) -> Result<(baseIndex: UInt64, segmentID: UInt64), SegmentDamage> {
        guard bytes.count >= headerSize else { return .failure(SegmentDamage(offset: 0, reason: "shorter than a segment header")) }
        guard Array(bytes[0..<8]) == magic else { return .failure(SegmentDamage(offset: 0, reason: "not a WAL segment (bad magic)")) }
        let version: UInt32 = bytes.loadLittleEndian(at: 8)
        guard version == Self.version else {
            return .failure(SegmentDamage(offset: 8, reason: "segment format version \(version); this build reads version \(Self.version)"))
        }
        return .success((bytes.loadLittleEndian(at: 16), bytes.loadLittleEndian(at: 24)))
    }

    /// The frames of one append batch.
    static func batch(_ entries: [LogEntry]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.reduce(frameHeaderSize + 8) { $0 + frameHeaderSize + padded(16 + $1.data.count) })
        for entry in entries {
            appendFrameHeader(.entry, detail: entry.kind.rawValue, length: 16 + entry.data.count, to: &bytes)
            bytes.appendLittleEndian(entry.index)
            bytes.appendLittleEndian(entry.term)
            bytes.append(contentsOf: entry.data)
            bytes.append(contentsOf: repeatElement(0, count: padded(entry.data.count) - entry.data.count))
        }
        appendCommit(entryCount: entries.count, to: &bytes)
        return bytes
    }

    /// A batch that drops every entry after `lastKept`.
    static func truncation(lastKept: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        appendFrameHeader(.truncate, length: 8, to: &bytes)
        bytes.appendLittleEndian(lastKept)
        appendCommit(entryCount: 0, to: &bytes)
        return bytes
    }

    private static func appendFrameHeader(_ type: FrameType, detail: UInt8 = 0, length: Int, to bytes: inout [UInt8]) {
        bytes.append(type.rawValue)
        bytes.append(contentsOf: [detail, 0, 0])
        bytes.appendLittleEndian(UInt32(length))
    }

    private static func appendCommit(entryCount: Int, to bytes: inout [UInt8]) {
        let checksum = CRC32C.checksum(bytes)
        appendFrameHeader(.commit, length: 8, to: &bytes)
        bytes.appendLittleEndian(checksum)
        bytes.appendLittleEndian(UInt32(entryCount))
    }
}

/// Where and why a segment's bytes are not what was written.
struct SegmentDamage: Error, Equatable {
    let offset: Int
    let reason: String
}

/// One entry frame found by a scan: the entry's index and term and where its frame lies.
struct ScannedEntry: Equatable {
    let index: UInt64
    let term: UInt64
    let offset: Int
    let length: Int
}

/// One valid batch found by a scan.
struct ScannedBatch {
    var entries: [ScannedEntry] = []
    /// Set for a truncate batch: the last index it keeps.
    var lastKept: UInt64?
    /// The offset just past the batch's commit frame.
    var end = 0
}

/// What reading a batch at some offset found.
enum BatchParse {
    case batch(ScannedBatch)
    /// A zeroed frame header where a batch would start: the end of the written part.
    case end
    case damaged(SegmentDamage)
}

extension SegmentFormat {
    /// Reads the batch starting at `start` of a segment's bytes.
    static func parseBatch(_ bytes: UnsafeRawBufferPointer, at start: Int) -> BatchParse {
        var batch = ScannedBatch()
        var offset = start
        while true {
            guard offset + frameHeaderSize <= bytes.count else {
                return offset == start ? .end : .damaged(SegmentDamage(offset: offset, reason: "batch cut short by the end of the file"))
            }
            let typeByte = bytes[offset]
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self).littleEndian)
            if typeByte == 0 && length == 0 && bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self) == 0 {
                return offset == start ? .end : .damaged(SegmentDamage(offset: offset, reason: "batch without a commit frame"))
            }
            guard let type = FrameType(rawValue: typeByte) else {
                return .damaged(SegmentDamage(offset: offset, reason: "unknown frame type \(typeByte)"))
            }
            let payload = offset + frameHeaderSize
            guard payload + padded(length) <= bytes.count else {
                return .damaged(SegmentDamage(offset: offset, reason: "frame of \(length) bytes runs past the end of the file"))
            }
            switch type {
            case .entry:
                guard length >= 16, batch.lastKept == nil, EntryKind(rawValue: bytes[offset + 1]) != nil else {
                    return .damaged(SegmentDamage(offset: offset, reason: "malformed entry frame"))
                }
                let index = bytes.loadUnaligned(fromByteOffset: payload, as: UInt64.self).littleEndian
                let term = bytes.loadUnaligned(fromByteOffset: payload + 8, as: UInt64.self).littleEndian
                if let previous = batch.entries.last, index != previous.index + 1 {
                    return .damaged(SegmentDamage(offset: offset, reason: "entry \(index) follows entry \(previous.index)"))
                }
                batch.entries.append(ScannedEntry(index: index, term: term, offset: offset, length: length))
            case .truncate:
                guard length == 8, batch.entries.isEmpty, batch.lastKept == nil else {
                    return .damaged(SegmentDamage(offset: offset, reason: "malformed truncate frame"))
                }
                batch.lastKept = bytes.loadUnaligned(fromByteOffset: payload, as: UInt64.self).littleEndian
            case .commit:
                guard length == 8 else { return .damaged(SegmentDamage(offset: offset, reason: "malformed commit frame")) }
                let expected = bytes.loadUnaligned(fromByteOffset: payload, as: UInt32.self).littleEndian
                let count = Int(bytes.loadUnaligned(fromByteOffset: payload + 4, as: UInt32.self).littleEndian)
                var actual = CRC32C()
                actual.update(UnsafeRawBufferPointer(rebasing: bytes[start..<offset]))
                guard actual.value == expected else {
                    return .damaged(SegmentDamage(offset: start, reason: "batch checksum mismatch (commit frame at offset \(offset))"))
                }
                guard count == batch.entries.count, count > 0 || batch.lastKept != nil else {
                    return .damaged(SegmentDamage(offset: offset, reason: "commit frame counts \(count) entries, batch has \(batch.entries.count)"))
                }
                batch.end = payload + 8
                return .batch(batch)
            }
            offset = payload + padded(length)
        }
    }

    /// The entry whose frame starts at `offset` of `bytes`.
    static func entry(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> LogEntry {
        let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self).littleEndian)
        let payload = offset + frameHeaderSize
        return LogEntry(
            index: bytes.loadUnaligned(fromByteOffset: payload, as: UInt64.self).littleEndian,
            term: bytes.loadUnaligned(fromByteOffset: payload + 8, as: UInt64.self).littleEndian,
            kind: EntryKind(rawValue: bytes[offset + 1]) ?? .command,
            data: Array(UnsafeRawBufferPointer(rebasing: bytes[(payload + 16)..<(payload + length)]))
        )
    }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    func loadLittleEndian<T: FixedWidthInteger>(at offset: Int) -> T {
        withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }
}
