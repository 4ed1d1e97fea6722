#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a server must never forget across a crash: the current term and whom it voted for in it.
public struct TermAndVote: Sendable, Hashable {
    public var term: UInt64
    /// The server voted for in `term`, empty if none.
    public var votedFor: String

    public init(term: UInt64, votedFor: String) {
        self.term = term
        self.votedFor = votedFor
    }
}

/// Why the stable store could not be read or written.
public enum StableStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case io(operation: String, path: String, errno: Int32)
    case corrupt(path: String, reason: String)

    public var description: String {
        switch self {
        case .io(let operation, let path, let code): "\(operation) \(path): \(String(cString: strerror(code)))"
        case .corrupt(let path, let reason): "stable store \(path) is corrupt: \(reason)"
        }
    }
}

/// Keeps ``TermAndVote`` in one small file, replaced atomically: written to a temporary file,
/// synced, renamed over the old one, and the directory synced, so a crash at any instant leaves
/// either the old record or the new one, never a mix. The record carries a CRC-32C.
///
/// Format (little-endian): `"CVSS"`, version `1` (1 byte), term (8 bytes), vote length (2
/// bytes), vote (UTF-8), CRC-32C of everything before it (4 bytes).
public struct FileStableStore: Sendable {
    public let directory: String
    public var path: String { directory + "/stable" }
    /// Where the file lives; `nil` opens `directory` on disk at each use.
    private let storage: (any StorageDirectory)?

    public init(directory: String) {
        self.directory = directory
        storage = nil
    }

    /// A stable store in `storage` (a directory on disk or a simulated one).
    public init(storage: any StorageDirectory) {
        directory = storage.path
        self.storage = storage
    }

    private func open() throws(StorageError) -> any StorageDirectory {
        if let storage { return storage }
        return try DiskDirectory(path: directory)
    }

    static let magic: [UInt8] = Array("CVSS".utf8)
    static let version: UInt8 = 1

    /// The last record saved, or `nil` if none ever was.
    public func load() throws(StableStoreError) -> TermAndVote? {
        let bytes = try onDisk { () throws(StorageError) -> [UInt8]? in
            let disk = try open()
            return try disk.fileNames().contains("stable") ? disk.readAll("stable") : nil
        }
        return try bytes.map(decode)
    }

    /// Saves `record`; returns only once it is durable.
    public func save(_ record: TermAndVote) throws(StableStoreError) {
        try onDisk { () throws(StorageError) in try open().writeAtomically("stable", Self.encode(record)) }
    }

    private func onDisk<T>(_ body: () throws(StorageError) -> T) throws(StableStoreError) -> T {
        do {
            return try body()
        } catch .io(let operation, let path, let code) {
            throw .io(operation: operation, path: path, errno: code)
        } catch {
            throw .corrupt(path: path, reason: error.description)
        }
    }

    static func encode(_ record: TermAndVote) -> [UInt8] {
        var bytes = magic
        bytes.append(version)
        withUnsafeBytes(of: record.term.littleEndian) { bytes.append(contentsOf: $0) }
        let vote = Array(record.votedFor.utf8.prefix(Int(UInt16.max)))
        withUnsafeBytes(of: UInt16(vote.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: vote)
        withUnsafeBytes(of: CRC32C.checksum(bytes).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    func decode(_ bytes: [UInt8]) throws(StableStoreError) -> TermAndVote {
        func corrupt(_ reason: String) -> StableStoreError { .corrupt(path: path, reason: reason) }
        guard bytes.count >= 19 else { throw corrupt("\(bytes.count) bytes, shorter than any record") }
        guard Array(bytes[0..<4]) == Self.magic else { throw corrupt("not a stable store file") }
        guard bytes[4] == Self.version else { throw corrupt("unsupported version \(bytes[4])") }
        func little<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
            var value: T = 0
            for i in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + i]) << (8 * i) }
            return value
        }
        let voteLength = Int(little(UInt16.self, at: 13))
        guard bytes.count == 15 + voteLength + 4 else { throw corrupt("length does not match the record") }
        let expected = little(UInt32.self, at: 15 + voteLength)
        guard CRC32C.checksum(bytes[0..<(15 + voteLength)]) == expected else { throw corrupt("checksum mismatch") }
        return TermAndVote(term: little(UInt64.self, at: 5), votedFor: String(decoding: bytes[15..<(15 + voteLength)], as: UTF8.self))
    }
}
