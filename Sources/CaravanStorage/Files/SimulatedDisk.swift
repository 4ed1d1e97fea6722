import Synchronization

/// What happens, in a crash, to one write that was not yet synced.
public enum UnsyncedWriteFate: Sendable, Equatable {
    /// The write never reached the disk.
    case lost
    /// The write reached the disk whole.
    case kept
    /// Only the first `count` bytes reached the disk.
    case torn(count: Int)
    /// The write reached the disk with one bit flipped (`bit` counts from the write's first byte).
    case flipped(bit: Int)
}

/// One write a crash has to decide about.
public struct UnsyncedWrite: Sendable {
    public let file: String
    public let offset: Int
    public let count: Int
}

/// An in-memory disk that can crash: it keeps, for every file, the bytes known durable and the
/// writes made since the last sync, and for the directory the entries known durable. A crash
/// asks the caller what became of each unsynced write (so that a seeded test or the simulator
/// decides, never a random source of the disk's own) and rolls unsynced directory changes back.
///
/// Paths are names within the disk: a ``StorageDirectory`` for `"wal"` is ``directory(_:)``.
public final class SimulatedDisk: Sendable {
    private struct File {
        var durable: [UInt8] = []
        var current: [UInt8] = []
        /// Operations since the last sync, in order; `nil` bytes mark a resize to `size`.
        var pending: [(offset: Int, bytes: [UInt8]?, size: Int)] = []

        /// Makes the pending operations durable. Applies them to the durable copy rather than
        /// sharing the current one, so that neither copy has to be copied whole at the next write.
        mutating func sync() {
            for operation in pending {
                if let bytes = operation.bytes {
                    SimulatedDisk.write(bytes, at: operation.offset, into: &durable)
                } else {
                    SimulatedDisk.resize(&durable, to: operation.size)
                }
            }
            pending = []
        }
    }

    private struct State {
        var files: [Int: File] = [:]
        var names: [String: Int] = [:]
        var durableNames: [String: Int] = [:]
        var nextFileID = 0
        var syncs = 0
        var failingSyncs = false
    }

    private let state = Mutex(State())

    public init() {}

    /// A directory of this disk.
    public func directory(_ path: String) -> some StorageDirectory { SimulatedDirectory(disk: self, path: path) }

    /// While set, every file sync fails with EIO and leaves its writes unsynced (a dying disk).
    public var failsSyncs: Bool {
        get { state.withLock { $0.failingSyncs } }
        set { state.withLock { $0.failingSyncs = newValue } }
    }

    /// How many file syncs have been made.
    public var syncCount: Int { state.withLock { $0.syncs } }

    /// Crashes the disk: every unsynced write meets the fate `decide` gives it, in the order the
    /// writes were made, and directory changes not synced are undone.
    public func crash(_ decide: (UnsyncedWrite) -> UnsyncedWriteFate) {
        state.withLock { state in
            var survivors: [Int: File] = [:]
            for (name, id) in state.durableNames.sorted(by: { $0.key < $1.key }) where survivors[id] == nil {
                var file = state.files[id]!
                var content = file.durable
                for operation in file.pending {
                    guard var bytes = operation.bytes else {
                        if decide(UnsyncedWrite(file: name, offset: operation.size, count: 0)) != .lost {
                            Self.resize(&content, to: operation.size)
                        }
                        continue
                    }
                    switch decide(UnsyncedWrite(file: name, offset: operation.offset, count: bytes.count)) {
                    case .lost: continue
                    case .kept: break
                    case .torn(let count): bytes = Array(bytes.prefix(count))
                    case .flipped(let bit): bytes[(bit / 8) % bytes.count] ^= UInt8(1 << (bit % 8))
                    }
                    Self.write(bytes, at: operation.offset, into: &content)
                }
                file = File(durable: content, current: content)
                survivors[id] = file
            }
            state.files = survivors
            state.names = state.durableNames
        }
    }

    /// Flips one bit of a file at rest (durable and current), as a failing disk might.
    public func flipBit(file name: String, at offset: Int, bit: Int = 0) {
        state.withLock { state in
            guard let id = state.names[name], offset < state.files[id]!.current.count else { return }
            state.files[id]!.current[offset] ^= UInt8(1 << bit)
            if offset < state.files[id]!.durable.count { state.files[id]!.durable[offset] ^= UInt8(1 << bit) }
        }
    }

    /// The names of every file on the disk, with their directory.
    public var allFileNames: [String] { state.withLock { $0.names.keys.sorted() } }

    /// A file's current length.
    public func size(of name: String) -> Int? { state.withLock { state in state.names[name].map { state.files[$0]!.current.count } } }

    fileprivate static func resize(_ content: inout [UInt8], to size: Int) {
        if content.count > size { content.removeLast(content.count - size) } else { content += [UInt8](repeating: 0, count: size - content.count) }
    }

    fileprivate static func write(_ bytes: [UInt8], at offset: Int, into content: inout [UInt8]) {
        if content.count < offset + bytes.count { resize(&content, to: offset + bytes.count) }
        content.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    }

    // MARK: Operations for the directory and file views

    fileprivate func names(in directory: String) -> [String] {
        state.withLock { state in
            state.names.keys.compactMap { $0.hasPrefix(directory + "/") ? String($0.dropFirst(directory.count + 1)) : nil }
        }
    }

    fileprivate func fileID(_ path: String, create: Bool) throws(StorageError) -> Int {
        let id: Int? = state.withLock { state in
            if let existing = state.names[path] { return create ? nil : existing }
            guard create else { return nil }
            let id = state.nextFileID
            state.nextFileID += 1
            state.files[id] = File()
            state.names[path] = id
            return id
        }
        guard let id else { throw .io(operation: create ? "create" : "open", path: path, errno: create ? 17 : 2) }
        return id
    }

    fileprivate func remove(_ path: String) throws(StorageError) {
        let removed = state.withLock { $0.names.removeValue(forKey: path) != nil }
        guard removed else { throw .io(operation: "unlink", path: path, errno: 2) }
    }

    fileprivate func rename(_ from: String, to: String) throws(StorageError) {
        let renamed = state.withLock { state in
            guard let id = state.names.removeValue(forKey: from) else { return false }
            state.names[to] = id
            return true
        }
        guard renamed else { throw .io(operation: "rename", path: from, errno: 2) }
    }

    fileprivate func syncDirectory(_ directory: String) {
        state.withLock { state in
            let prefix = directory + "/"
            state.durableNames = state.durableNames.filter { !$0.key.hasPrefix(prefix) }
            for (name, id) in state.names where name.hasPrefix(prefix) { state.durableNames[name] = id }
        }
    }

    fileprivate func size(file id: Int) -> Int { state.withLock { $0.files[id]!.current.count } }

    fileprivate func read(file id: Int, at offset: Int, count: Int) -> [UInt8] {
        state.withLock { state in
            let content = state.files[id]!.current
            guard offset < content.count else { return [] }
            return Array(content[offset..<min(content.count, offset + count)])
        }
    }

    fileprivate func write(_ bytes: [UInt8], at offset: Int, file id: Int) {
        state.withLock { state in
            Self.write(bytes, at: offset, into: &state.files[id]!.current)
            state.files[id]!.pending.append((offset, bytes, 0))
        }
    }

    fileprivate func resize(file id: Int, to size: Int, growOnly: Bool) {
        state.withLock { state in
            if growOnly, state.files[id]!.current.count >= size { return }
            Self.resize(&state.files[id]!.current, to: size)
            state.files[id]!.pending.append((0, nil, size))
        }
    }

    fileprivate func sync(file id: Int) throws(StorageError) {
        let failed = state.withLock { state in
            if state.failingSyncs { return true }
            state.files[id]!.sync()
            state.syncs += 1
            return false
        }
        if failed { throw .io(operation: "fdatasync", path: "file \(id)", errno: 5) }
    }
}

/// A directory of a ``SimulatedDisk``.
struct SimulatedDirectory: StorageDirectory {
    let disk: SimulatedDisk
    let path: String

    func fileNames() throws(StorageError) -> [String] { disk.names(in: path) }

    func open(_ name: String) throws(StorageError) -> any StorageFile {
        SimulatedFile(disk: disk, id: try disk.fileID(path + "/" + name, create: false), name: name)
    }

    func create(_ name: String) throws(StorageError) -> any StorageFile {
        SimulatedFile(disk: disk, id: try disk.fileID(path + "/" + name, create: true), name: name)
    }

    func remove(_ name: String) throws(StorageError) { try disk.remove(path + "/" + name) }

    func rename(_ from: String, to: String) throws(StorageError) { try disk.rename(path + "/" + from, to: path + "/" + to) }

    func sync() throws(StorageError) { disk.syncDirectory(path) }
}

/// A file of a ``SimulatedDisk``.
struct SimulatedFile: StorageFile {
    let disk: SimulatedDisk
    let id: Int
    let name: String

    func size() throws(StorageError) -> Int { disk.size(file: id) }

    func read(at offset: Int, count: Int) throws(StorageError) -> [UInt8] { disk.read(file: id, at: offset, count: count) }

    func write(_ bytes: some Collection<UInt8>, at offset: Int) throws(StorageError) { disk.write(Array(bytes), at: offset, file: id) }

    func allocate(size: Int) throws(StorageError) { disk.resize(file: id, to: size, growOnly: true) }

    func truncate(to size: Int) throws(StorageError) { disk.resize(file: id, to: size, growOnly: false) }

    func sync() throws(StorageError) { try disk.sync(file: id) }

    func close() {}
}
