public import CaravanRaft

/// Snapshot files: the encoded state at an index, compressed as one LZ4 frame (content size and
/// content checksum on, so `lz4 -d` reads it and a damaged file is detected), written to a
/// temporary file, synced and renamed into place. Keeps the newest ``retained`` files.
///
/// Uncompressed layout: magic `"CRVNSNAP"`, format version (u32), zero (u32), index (u64), term
/// (u64), then (since version 2) the raft configuration's length (u32) and bytes, then the state
/// bytes; integers little-endian. Version 1 files (no configuration) still load. Files are named
/// `<index, 20 digits>-<term, 20 digits>.snap`, so names sort by index.
public struct SnapshotFiles: Sendable {
    public let directory: any StorageDirectory
    public let retained: Int

    static let magic: [UInt8] = Array("CRVNSNAP".utf8)
    static let version: UInt32 = 2
    static let headerSize = 32

    public init(directory: any StorageDirectory, retained: Int = 2) {
        self.directory = directory
        self.retained = max(1, retained)
    }

    /// Writes a snapshot durably and removes the ones older than the newest ``retained``;
    /// returns the new file's name and size.
    @discardableResult
    public func save(
        index: UInt64, term: UInt64, configuration: Configuration = Configuration(), state: [UInt8]
    ) throws(StorageError) -> (name: String, frame: [UInt8]) {
        let configurationBytes = configuration.encoded()
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerSize + 4 + configurationBytes.count + state.count)
        bytes.appendLittleEndian(Self.version)
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(index)
        bytes.appendLittleEndian(term)
        bytes.appendLittleEndian(UInt32(configurationBytes.count))
        bytes.append(contentsOf: configurationBytes)
        bytes.append(contentsOf: state)
        let frame: [UInt8]
        do {
            frame = try LZ4Frame.compress(bytes)
        } catch {
            throw .inconsistent("compressing snapshot \(index): \(error)")
        }
        let name = Self.name(index: index, term: term)
        try write(name, frame)
        return (name, frame)
    }

    /// Checks a snapshot file's bytes received from a leader and stores them as they are.
    @discardableResult
    public func install(frame: [UInt8]) throws(StorageError) -> StoredSnapshot {
        let snapshot = try Self.parse(frame, path: directory.path + "/(received)", name: nil)
        try write(Self.name(index: snapshot.index, term: snapshot.term), frame)
        return snapshot
    }

    private func write(_ name: String, _ frame: [UInt8]) throws(StorageError) {
        try directory.writeAtomically(name, frame)
        let names = try fileNames()
        for stale in names.dropFirst(retained) { try directory.remove(stale) }
        if names.count > retained { try directory.sync() }
    }

    /// Snapshot file names, newest first. Leftover temporary files are not listed.
    public func fileNames() throws(StorageError) -> [String] {
        try directory.fileNames().filter { Self.parseName($0) != nil }.sorted(by: >)
    }

    /// Reads and checks one snapshot file.
    public func load(_ name: String) throws(StorageError) -> StoredSnapshot {
        try Self.parse(try directory.readAll(name), path: directory.path + "/" + name, name: name)
    }

    /// Checks and decodes a snapshot file's bytes held in memory.
    public static func decode(_ frame: [UInt8]) throws(StorageError) -> StoredSnapshot {
        try parse(frame, path: "(snapshot)", name: nil)
    }

    private static func parse(_ frame: [UInt8], path: String, name: String?) throws(StorageError) -> StoredSnapshot {
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
        guard version == 1 || version == Self.version else {
            throw .inconsistent("\(path): snapshot format version \(version); this build reads versions 1 and \(Self.version)")
        }
        let index: UInt64 = bytes.loadLittleEndian(at: 16)
        let term: UInt64 = bytes.loadLittleEndian(at: 24)
        if let name, let named = Self.parseName(name), named != (index, term) {
            throw .corrupt(path: path, offset: 16, reason: "holds index \(index) term \(term), its name says otherwise")
        }
        var stateStart = Self.headerSize
        var configuration = Configuration()
        if version >= 2 {
            guard bytes.count >= stateStart + 4 else { throw .corrupt(path: path, offset: stateStart, reason: "no configuration") }
            let length = Int(bytes.loadLittleEndian(at: stateStart) as UInt32)
            guard bytes.count >= stateStart + 4 + length else {
                throw .corrupt(path: path, offset: stateStart, reason: "configuration runs past the end")
            }
            do {
                configuration = try Configuration(decoding: Array(bytes[(stateStart + 4)..<(stateStart + 4 + length)]))
            } catch {
                throw .corrupt(path: path, offset: stateStart + 4, reason: "configuration: \(error)")
            }
            stateStart += 4 + length
        }
        return StoredSnapshot(
            index: index, term: term, configuration: configuration, state: Array(bytes[stateStart...]), frame: frame,
            fileName: name ?? Self.name(index: index, term: term), fileSize: frame.count,
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

    public static func parseName(_ name: String) -> (index: UInt64, term: UInt64)? {
        guard name.hasSuffix(".snap") else { return nil }
        let parts = name.dropLast(5).split(separator: "-")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 20 }), let index = UInt64(parts[0]), let term = UInt64(parts[1]) else { return nil }
        return (index, term)
    }
}
