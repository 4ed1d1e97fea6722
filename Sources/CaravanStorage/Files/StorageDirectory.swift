/// An open file of a ``StorageDirectory``. Writes may sit in a cache until ``sync()`` returns;
/// only synced bytes are promised to survive a crash.
public protocol StorageFile: Sendable {
    /// The file's name within its directory.
    var name: String { get }
    /// The file's length in bytes.
    func size() throws(StorageError) -> Int
    /// Up to `count` bytes from `offset` (fewer at the end of the file).
    func read(at offset: Int, count: Int) throws(StorageError) -> [UInt8]
    /// Writes `bytes` at `offset`, extending the file if needed.
    func write(_ bytes: some Collection<UInt8>, at offset: Int) throws(StorageError)
    /// Reserves space so that the file is at least `size` bytes long, reading as zeros.
    func allocate(size: Int) throws(StorageError)
    /// Cuts the file to `size` bytes.
    func truncate(to size: Int) throws(StorageError)
    /// Makes every write so far durable (`fdatasync`).
    func sync() throws(StorageError)
    func close()
}

/// A directory of files: the only way storage code touches a disk, so that tests and the
/// simulator can put a disk with faults under the same code.
public protocol StorageDirectory: Sendable {
    /// A name for messages (the directory's path).
    var path: String { get }
    /// The names of the files in the directory, in no particular order.
    func fileNames() throws(StorageError) -> [String]
    /// Opens an existing file for reading and writing.
    func open(_ name: String) throws(StorageError) -> any StorageFile
    /// Creates a new, empty file; an existing file of that name is an error.
    func create(_ name: String) throws(StorageError) -> any StorageFile
    func remove(_ name: String) throws(StorageError)
    /// Renames `from` to `to`, replacing `to` atomically if it exists.
    func rename(_ from: String, to: String) throws(StorageError)
    /// Makes the directory's entries (creations, removals, renames) durable.
    func sync() throws(StorageError)
}

extension StorageDirectory {
    /// Writes `bytes` to a new file `name` atomically: to a temporary file, synced, renamed over
    /// `name`, and the directory synced. A crash leaves the old file or the new one, never a mix.
    public func writeAtomically(_ name: String, _ bytes: [UInt8]) throws(StorageError) {
        let temporary = name + ".tmp"
        if (try fileNames()).contains(temporary) { try remove(temporary) }
        let file = try create(temporary)
        defer { file.close() }
        try file.write(bytes, at: 0)
        try file.sync()
        try rename(temporary, to: name)
        try sync()
    }

    /// The whole content of file `name`.
    public func readAll(_ name: String) throws(StorageError) -> [UInt8] {
        let file = try open(name)
        defer { file.close() }
        return try file.read(at: 0, count: file.size())
    }
}
