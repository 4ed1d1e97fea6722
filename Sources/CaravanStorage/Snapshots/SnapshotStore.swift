/// A snapshot as read back from its file.
public struct StoredSnapshot: Sendable {
    /// The index of the last entry the snapshot covers.
    public let index: UInt64
    /// The term of that entry.
    public let term: UInt64
    /// The encoded state, as given to ``SnapshotStore/save(index:term:state:)``.
    public let state: [UInt8]
    /// The file's name and length.
    public let fileName: String
    public let fileSize: Int
    /// The LZ4 frame's content checksum (xxHash32 of the uncompressed bytes).
    public let contentChecksum: UInt32
}

/// Snapshot files: the encoded state at an index, compressed as one LZ4 frame (content size and
/// content checksum on, so `lz4 -d` reads it and a damaged file is detected), written to a
/// temporary file, synced and renamed into place. Keeps the newest ``retained`` files.
///
/// Uncompressed layout: magic `"CRVNSNAP"`, format version (u32), zero (u32), index (u64), term
/// (u64), then the state bytes; integers little-endian. Files are named
/// `<index, 20 digits>-<term, 20 digits>.snap`, so names sort by index.
public struct SnapshotStore: Sendable {
    public let directory: any StorageDirectory
    public let retained: Int

    static let magic: [UInt8] = Array("CRVNSNAP".utf8)
    static let version: UInt32 = 1
    static let headerSize = 32

    public init(directory: any StorageDirectory, retained: Int = 2) {
        self.directory = directory
        self.retained = max(1, retained)
    }

    /// Writes a snapshot durably and removes the ones older than the newest ``retained``;
    /// returns the new file's name and size.
    @discardableResult
    public func save(index: UInt64, term: UInt64, state: [UInt8]) throws(StorageError) -> (name: String, size: Int) {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerSize + state.count)
        bytes.appendLittleEndian(Self.version)
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(index)
        bytes.appendLittleEndian(term)
        bytes.append(contentsOf: state)
        let frame: [UInt8]
        do {
            frame = try LZ4Frame.compress(bytes)
        } catch {
            throw .inconsistent("compressing snapshot \(index): \(error)")
        }
        let name = Self.name(index: index, term: term)
        try directory.writeAtomically(name, frame)
        let names = try fileNames()
        for stale in names.dropFirst(retained) { try directory.remove(stale) }
        if names.count > retained { try directory.sync() }
        return (name, frame.count)
    }

    /// Snapshot file names, newest first. Leftover temporary files are not listed.
    public func fileNames() throws(StorageError) -> [String] {
        try directory.fileNames().filter { Self.parseName($0) != nil }.sorted(by: >)
    }

    /// Reads and checks one snapshot file.
    public func load(_ name: String) throws(StorageError) -> StoredSnapshot {
        let frame = try directory.readAll(name)
        let path = directory.path + "/" + name
        let bytes: [UInt8]
        do {
            bytes = try LZ4Frame.decompress(frame)
        } catch {
            throw .corrupt(path: path, offset: 0, reason: "LZ4 frame: \(error)")
        }
        guard bytes.count >= Self.headerSize, Array(bytes[0..<8]) == Self.magic else {
            throw .corrupt(path: path, offset: 0, reason: "not a Caravan snapshot")
        }
        let version: UInt32 = bytes.loadLittleEndian(at: 8)
        guard version == Self.version else {
            throw .inconsistent("\(path): snapshot format version \(version); this build reads version \(Self.version)")
        }
        let index: UInt64 = bytes.loadLittleEndian(at: 16)
        let term: UInt64 = bytes.loadLittleEndian(at: 24)
        if let named = Self.parseName(name), named != (index, term) {
            throw .corrupt(path: path, offset: 16, reason: "holds index \(index) term \(term), its name says otherwise")
        }
        return StoredSnapshot(
            index: index, term: term, state: Array(bytes[Self.headerSize...]), fileName: name, fileSize: frame.count,
            contentChecksum: frame.count >= 4 ? frame.loadLittleEndian(at: frame.count - 4) : 0
        )
    }

    /// The newest snapshot that loads and that `accept` takes (it may decode the state and
    /// throw if it cannot), falling back to older ones; with the reasons the newer ones failed.
    /// Snapshots past `index` are not considered.
    public func loadNewest<T>(
        through index: UInt64 = .max, _ accept: (StoredSnapshot) throws -> T
    ) throws(StorageError) -> (snapshot: StoredSnapshot, value: T, skipped: [String])? {
        var skipped: [String] = []
        for name in try fileNames() where Self.parseName(name)!.index <= index {
            do {
                let snapshot = try load(name)
                return (snapshot, try accept(snapshot), skipped)
            } catch {
                skipped.append("\(name): \(error)")
            }
        }
        return nil
    }

    static func name(index: UInt64, term: UInt64) -> String {
        func padded(_ value: UInt64) -> String {
            let digits = String(value)
            return String(repeating: "0", count: 20 - digits.count) + digits
        }
        return padded(index) + "-" + padded(term) + ".snap"
    }

    static func parseName(_ name: String) -> (index: UInt64, term: UInt64)? {
        guard name.hasSuffix(".snap") else { return nil }
        let parts = name.dropLast(5).split(separator: "-")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 20 }), let index = UInt64(parts[0]), let term = UInt64(parts[1]) else { return nil }
        return (index, term)
    }
}
