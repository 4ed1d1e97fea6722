public import CaravanRaft

/// How a ``WriteAheadLog`` lays out its files.
public struct WALOptions: Sendable {
    /// Bytes pre-allocated per segment file (64 MiB by default); a batch that does not fit
    /// starts a new segment.
    public var segmentSize: Int
    /// Open without changing anything: a torn tail is skipped, not repaired, and appends fail.
    /// For tools that read a data directory another process may own.
    public var readOnly: Bool

    public init(segmentSize: Int = 64 << 20, readOnly: Bool = false) {
        self.segmentSize = segmentSize
        self.readOnly = readOnly
    }
}

/// The durable log: a directory of segment files written append-only (layout in
/// ``SegmentFormat``), implementing ``LogStorage``.
///
/// Every ``append(_:)`` is one write and one `fdatasync` of one batch, acknowledged only after
/// the sync; callers that batch concurrent proposals into one append share one sync (group
/// commit). Opening scans the newest segment and drops a torn or damaged tail after the last
/// valid commit frame — the state a crash during an append leaves — but damage anywhere a later
/// valid batch follows, or in an older segment, is an error naming the file and offset.
/// ``compact(through:)`` removes whole segments from the head after a snapshot;
/// ``truncate(after:)`` drops entries from the tail by appending a truncate batch.
public struct WriteAheadLog: LogStorage {
    /// One segment file and where its entries lie.
    struct Segment {
        let name: String
        let file: any StorageFile
        let baseIndex: UInt64
        let segmentID: UInt64
        /// Frame offset and payload length of each entry, from `baseIndex` on.
        var frames: [(offset: Int, length: Int)] = []
        /// Where the next batch goes.
        var writeOffset = SegmentFormat.headerSize
        var capacity: Int

        var lastIndex: UInt64 { baseIndex + UInt64(frames.count) - 1 }
    }

    public let directory: any StorageDirectory
    public let options: WALOptions
    private var segments: [Segment] = []
    private var nextSegmentID: UInt64 = 1

    /// What opening found: how many bytes of torn tail it dropped, for the log.
    public private(set) var recoveredTornBytes = 0

    /// Opens the log in `directory`, recovering from a crash; a new log's first entry will be
    /// `firstIndex`.
    public init(directory: any StorageDirectory, options: WALOptions = WALOptions(), firstIndex: UInt64 = 1) throws(StorageError) {
        self.directory = directory
        self.options = options
        let names = try directory.fileNames()
        // A segment rewrite that a crash interrupted before its rename: the old segment stands.
        for name in names where name.hasSuffix(".wal" + Self.temporarySuffix) && !options.readOnly {
            try directory.remove(name)
        }
        var parsed: [(base: UInt64, id: UInt64, name: String)] = []
        for name in names where name.hasSuffix(".wal") {
            guard let key = Self.parseName(name) else { throw .inconsistent("\(directory.path)/\(name): not a segment file name") }
            parsed.append((key.base, key.id, name))
        }
        parsed.sort { ($0.base, $0.id) < ($1.base, $1.id) }
        for (position, item) in parsed.enumerated() {
            let isLast = position == parsed.count - 1
            guard let segment = try openSegment(item.name, isLast: isLast) else { continue }
            if let previous = segments.last, segment.baseIndex == previous.baseIndex {
                // A rewrite of `previous` that a crash interrupted after its rename: the newer
                // one holds what the log keeps.
                previous.file.close()
                if !options.readOnly {
                    try directory.remove(previous.name)
                    try directory.sync()
                }
                segments.removeLast()
            }
            if let previous = segments.last, segment.baseIndex != previous.lastIndex + 1 {
                throw .inconsistent(
                    "\(directory.path): segment \(previous.name) ends at index \(previous.lastIndex) but \(segment.name) starts at \(segment.baseIndex)"
                )
            }
            segments.append(segment)
            nextSegmentID = max(nextSegmentID, segment.segmentID + 1)
        }
        if segments.isEmpty {
            guard !options.readOnly else { throw .inconsistent("\(directory.path): no log segments") }
            segments.append(try createSegment(baseIndex: firstIndex, minimumCapacity: 0))
        }
    }

    // MARK: LogStorage

    public var firstIndex: UInt64 { segments[0].baseIndex }

    public var lastIndex: UInt64 { segments[segments.count - 1].lastIndex }

    /// The term of entry `index`, if the log holds it.
    public func term(at index: UInt64) throws(LogError) -> UInt64 {
        try entries(from: index, to: index)[0].term
    }

    public func entries(from: UInt64, to: UInt64) throws(LogError) -> [LogEntry] {
        guard from >= firstIndex else { throw .compacted(from) }
        guard to <= lastIndex else { throw .unavailable(to) }
        guard from <= to else { return [] }
        var result: [LogEntry] = []
        result.reserveCapacity(Int(to - from + 1))
        var position = segmentPosition(containing: from)
        var next = from
        while next <= to {
            let segment = segments[position]
            let last = min(to, segment.lastIndex)
            let first = segment.frames[Int(next - segment.baseIndex)]
            let final = segment.frames[Int(last - segment.baseIndex)]
            let end = final.offset + SegmentFormat.frameHeaderSize + SegmentFormat.padded(final.length)
            let bytes: [UInt8]
            do {
                bytes = try segment.file.read(at: first.offset, count: end - first.offset)
            } catch {
                throw .storage(error.description)
            }
            guard bytes.count == end - first.offset else { throw .storage("\(directory.path)/\(segment.name): short read") }
            bytes.withUnsafeBytes { buffer in
                for index in next...last {
                    result.append(SegmentFormat.entry(buffer, at: segment.frames[Int(index - segment.baseIndex)].offset - first.offset))
                }
            }
            next = last + 1
            position += 1
        }
        return result
    }

    public mutating func append(_ entries: [LogEntry]) throws(LogError) {
        guard let first = entries.first else { return }
        guard first.index == lastIndex + 1 else { throw .gap(expected: lastIndex + 1, got: first.index) }
        do {
            try write(SegmentFormat.batch(entries), entries: entries, firstIndex: first.index)
        } catch {
            throw .storage(error.description)
        }
    }

    /// Drops every entry after `index` (a follower's conflicting tail), durably.
    public mutating func truncate(after index: UInt64) throws(LogError) {
        guard index < lastIndex else { return }
        guard index + 1 >= firstIndex else { throw .compacted(index + 1) }
        guard !options.readOnly else { throw .storage("\(directory.path): the log was opened read-only") }
        do {
            while segments.count > 1, segments[segments.count - 1].baseIndex > index {
                let removed = segments.removeLast()
                removed.file.close()
                try directory.remove(removed.name)
            }
            try directory.sync()
            if segments[segments.count - 1].baseIndex > index {
                // The only segment left starts after `index`: start over with an empty one.
                let removed = segments.removeLast()
                removed.file.close()
                try directory.remove(removed.name)
                try directory.sync()
                segments.append(try createSegment(baseIndex: index + 1, minimumCapacity: 0))
                return
            }
            guard index < lastIndex else { return }
            let newest = segments[segments.count - 1]
            if newest.writeOffset + Self.truncationSize > newest.capacity {
                // A truncation earlier used this segment's room for one: rewrite what it keeps.
                try rewriteNewest(keepingThrough: index)
            } else {
                try write(SegmentFormat.truncation(lastKept: index), entries: [], firstIndex: index + 1)
            }
        } catch {
            throw .storage(error.description)
        }
    }

    /// Replaces the newest segment with one that holds its entries up to `index` only: written
    /// whole under a temporary name, synced, renamed to a segment name of the same base index
    /// and a newer segment ID, and only then the old segment removed. A crash before the rename
    /// leaves the old segment (the truncation never happened, and was never acknowledged); after
    /// it, recovery finds two segments with one base index and keeps the newer.
    private mutating func rewriteNewest(keepingThrough index: UInt64) throws(StorageError) {
        let old = segments[segments.count - 1]
        let kept: [LogEntry]
        do {
            kept = try entries(from: old.baseIndex, to: index)
        } catch {
            throw .inconsistent("\(directory.path): rewriting \(old.name): \(error)")
        }
        let batch = SegmentFormat.batch(kept)
        let id = nextSegmentID
        nextSegmentID += 1
        let name = Self.name(baseIndex: old.baseIndex, segmentID: id)
        let capacity = max(options.segmentSize, SegmentFormat.headerSize + batch.count + Self.truncationSize)
        let file = try directory.create(name + Self.temporarySuffix)
        try file.write(SegmentFormat.header(baseIndex: old.baseIndex, segmentID: id), at: 0)
        try file.write(batch, at: SegmentFormat.headerSize)
        try file.allocate(size: capacity)
        try file.sync()
        try directory.rename(name + Self.temporarySuffix, to: name)
        try directory.sync()
        old.file.close()
        try directory.remove(old.name)
        try directory.sync()
        var segment = Segment(name: name, file: file, baseIndex: old.baseIndex, segmentID: id, capacity: capacity)
        var frameOffset = SegmentFormat.headerSize
        for entry in kept {
            segment.frames.append((frameOffset, 16 + entry.data.count))
            frameOffset += SegmentFormat.frameHeaderSize + SegmentFormat.padded(16 + entry.data.count)
        }
        segment.writeOffset = SegmentFormat.headerSize + batch.count
        segments[segments.count - 1] = segment
    }

    /// The suffix of a segment being rewritten, until it is complete.
    static let temporarySuffix = ".tmp"

    /// Drops every entry and starts the log over so that its next entry is `index + 1` (a
    /// follower that installed a snapshot its log does not continue). Segments go newest first;
    /// a crash part-way leaves a prefix of the old log, which recovery discards as behind the
    /// snapshot.
    public mutating func reset(after index: UInt64) throws(LogError) {
        guard !options.readOnly else { throw .storage("\(directory.path): the log was opened read-only") }
        do {
            while let removed = segments.popLast() {
                removed.file.close()
                try directory.remove(removed.name)
            }
            try directory.sync()
            segments.append(try createSegment(baseIndex: index + 1, minimumCapacity: 0))
        } catch {
            throw .storage(error.description)
        }
    }

    /// Removes the segments all of whose entries are at or before `index` (covered by a
    /// snapshot), oldest first; the newest segment always stays.
    public mutating func compact(through index: UInt64) throws(LogError) {
        guard !options.readOnly else { throw .storage("\(directory.path): the log was opened read-only") }
        var removed = false
        do {
            while segments.count > 1, segments[1].baseIndex <= index + 1 {
                let segment = segments.removeFirst()
                segment.file.close()
                try directory.remove(segment.name)
                removed = true
            }
            if removed { try directory.sync() }
        } catch {
            throw .storage(error.description)
        }
    }

    /// Closes the segment files.
    public func close() {
        for segment in segments { segment.file.close() }
    }

    /// The segment files, oldest first.
    public var segmentNames: [String] { segments.map(\.name) }

    // MARK: Writing

    /// Writes one batch and syncs it. A truncate batch (`entries` empty) drops entries from
    /// `firstIndex` on in the newest segment.
    private mutating func write(_ batch: [UInt8], entries: [LogEntry], firstIndex: UInt64) throws(StorageError) {
        guard !options.readOnly else { throw .inconsistent("\(directory.path): the log was opened read-only") }
        var position = segments.count - 1
        // Every segment keeps room for one truncate batch after its entries.
        let reserve = entries.isEmpty ? 0 : Self.truncationSize
        if segments[position].writeOffset + batch.count + reserve > segments[position].capacity {
            guard !entries.isEmpty else {
                throw .inconsistent("\(directory.path): no room for a truncate frame in \(segments[position].name)")
            }
            segments.append(try createSegment(baseIndex: firstIndex, minimumCapacity: SegmentFormat.headerSize + batch.count + reserve))
            position += 1
        }
        let offset = segments[position].writeOffset
        try segments[position].file.write(batch, at: offset)
        try segments[position].file.sync()
        segments[position].writeOffset += batch.count
        if entries.isEmpty {
            segments[position].frames.removeLast(Int(segments[position].lastIndex - firstIndex + 1))
            return
        }
        var frameOffset = offset
        for entry in entries {
            segments[position].frames.append((frameOffset, 16 + entry.data.count))
            frameOffset += SegmentFormat.frameHeaderSize + SegmentFormat.padded(16 + entry.data.count)
        }
    }

    static let truncationSize = SegmentFormat.truncation(lastKept: 0).count

    private mutating func createSegment(baseIndex: UInt64, minimumCapacity: Int) throws(StorageError) -> Segment {
        let id = nextSegmentID
        nextSegmentID += 1
        let name = Self.name(baseIndex: baseIndex, segmentID: id)
        let capacity = max(options.segmentSize, minimumCapacity)
        let file = try directory.create(name)
        try file.write(SegmentFormat.header(baseIndex: baseIndex, segmentID: id), at: 0)
        try file.allocate(size: capacity)
        try file.sync()
        try directory.sync()
        return Segment(name: name, file: file, baseIndex: baseIndex, segmentID: id, capacity: capacity)
    }

    // MARK: Recovery

    /// Reads a segment and indexes its entries. The newest segment may end in a torn batch,
    /// which is dropped and zeroed; a newest segment with a torn header (a crash while creating
    /// it) is removed and `nil` returned.
    private mutating func openSegment(_ name: String, isLast: Bool) throws(StorageError) -> Segment? {
        let file = try directory.open(name)
        let size = try file.size()
        let bytes = try file.read(at: 0, count: size)
        let header: (baseIndex: UInt64, segmentID: UInt64)
        switch SegmentFormat.parseHeader(bytes) {
        case .success(let parsed): header = parsed
        case .failure(let damage):
            if isLast, bytes.withUnsafeBytes({ ZeroScan.firstNonZero($0, from: 0) }) == nil || bytes.count < SegmentFormat.headerSize {
                file.close()
                if !options.readOnly {
                    try directory.remove(name)
                    try directory.sync()
                }
                return nil
            }
            file.close()
            throw .corrupt(path: directory.path + "/" + name, offset: damage.offset, reason: damage.reason)
        }
        guard let key = Self.parseName(name), key.base == header.baseIndex, key.id == header.segmentID else {
            file.close()
            throw .corrupt(path: directory.path + "/" + name, offset: 16, reason: "header does not match the file name")
        }
        var segment = Segment(
            name: name, file: file, baseIndex: header.baseIndex, segmentID: header.segmentID, capacity: max(size, options.segmentSize))
        var damage: SegmentDamage?
        var followed = false
        bytes.withUnsafeBytes { buffer in
            var offset = SegmentFormat.headerSize
            scan: while true {
                switch SegmentFormat.parseBatch(buffer, at: offset) {
                case .end: break scan
                case .damaged(let found):
                    damage = found
                    break scan
                case .batch(let batch):
                    if let lastKept = batch.lastKept {
                        guard lastKept < segment.lastIndex, lastKept + 1 >= segment.baseIndex else {
                            damage = SegmentDamage(offset: offset, reason: "truncation to index \(lastKept) outside the segment")
                            break scan
                        }
                        segment.frames.removeLast(Int(segment.lastIndex - lastKept))
                    } else {
                        guard batch.entries[0].index == segment.lastIndex + 1 else {
                            damage = SegmentDamage(offset: offset, reason: "entry \(batch.entries[0].index) follows entry \(segment.lastIndex)")
                            break scan
                        }
                        segment.frames.append(contentsOf: batch.entries.map { ($0.offset, $0.length) })
                    }
                    offset = batch.end
                }
            }
            segment.writeOffset = offset
            if isLast, let later = Self.firstValidBatch(buffer, after: offset) {
                let reason = damage.map { $0.reason + "; " } ?? "the log ends here"
                damage = SegmentDamage(offset: damage?.offset ?? offset, reason: reason + " but a valid batch follows at offset \(later)")
                followed = true
            }
        }
        if let damage {
            guard isLast, !followed else {
                file.close()
                throw .corrupt(path: directory.path + "/" + name, offset: damage.offset, reason: damage.reason)
            }
            // A torn tail: the batch being written when the server stopped. Zero it so that a
            // later append never sits next to its remains.
            recoveredTornBytes = bytes.withUnsafeBytes { ZeroScan.lastNonZero($0) ?? segment.writeOffset } + 1 - segment.writeOffset
            if options.readOnly { return segment }
            try file.truncate(to: segment.writeOffset)
            try file.allocate(size: segment.capacity)
            try file.sync()
        }
        return segment
    }

    /// The offset of the first valid batch at or after `offset + 8`, if any: proof that damage
    /// before it is not a torn tail.
    private static func firstValidBatch(_ buffer: UnsafeRawBufferPointer, after offset: Int) -> Int? {
        var candidate = offset + 8
        while candidate + 2 * SegmentFormat.frameHeaderSize <= buffer.count {
            guard let nonZero = ZeroScan.firstNonZero(buffer, from: candidate) else { return nil }
            candidate = nonZero & ~7
            if case .batch = SegmentFormat.parseBatch(buffer, at: candidate) { return candidate }
            candidate += 8
        }
        return nil
    }

    private func segmentPosition(containing index: UInt64) -> Int {
        var low = 0
        var high = segments.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if segments[middle].baseIndex <= index { low = middle } else { high = middle - 1 }
        }
        return low
    }

    // MARK: Names

    /// `<base index, 20 digits>-<segment ID, 16 hex digits>.wal`, so that names sort by index.
    static func name(baseIndex: UInt64, segmentID: UInt64) -> String {
        let base = String(baseIndex)
        let id = String(segmentID, radix: 16)
        return String(repeating: "0", count: 20 - base.count) + base + "-" + String(repeating: "0", count: 16 - id.count) + id + ".wal"
    }

    static func parseName(_ name: String) -> (base: UInt64, id: UInt64)? {
        let parts = name.dropLast(4).split(separator: "-")
        guard name.hasSuffix(".wal"), parts.count == 2, parts[0].count == 20, parts[1].count == 16,
            let base = UInt64(parts[0]), let id = UInt64(parts[1], radix: 16)
        else { return nil }
        return (base, id)
    }
}
