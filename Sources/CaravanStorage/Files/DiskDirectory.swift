#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The POSIX calls whose names the types below also use for their methods.
private func systemOpen(_ path: String, _ flags: Int32) -> Int32 { open(path, flags | O_CLOEXEC, 0o644) }
private func systemClose(_ descriptor: Int32) { _ = close(descriptor) }
private func systemRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }

/// A real directory on disk, through POSIX calls.
public struct DiskDirectory: StorageDirectory {
    public let path: String

    /// Opens directory `path`, creating it (and its parents) if missing.
    public init(path: String) throws(StorageError) {
        self.path = path
        try Self.makeDirectories(path)
    }

    static func makeDirectories(_ path: String) throws(StorageError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0, errno != EEXIST { throw .io(operation: "mkdir", path: prefix, errno: errno) }
        }
    }

    public func fileNames() throws(StorageError) -> [String] {
        guard let stream = opendir(path) else { throw .io(operation: "opendir", path: path, errno: errno) }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    public func open(_ name: String) throws(StorageError) -> any StorageFile {
        try DiskFile(directory: path, name: name, flags: O_RDWR)
    }

    public func create(_ name: String) throws(StorageError) -> any StorageFile {
        try DiskFile(directory: path, name: name, flags: O_RDWR | O_CREAT | O_EXCL)
    }

    public func remove(_ name: String) throws(StorageError) {
        guard unlink(path + "/" + name) == 0 else { throw .io(operation: "unlink", path: path + "/" + name, errno: errno) }
    }

    public func rename(_ from: String, to: String) throws(StorageError) {
        guard systemRename(path + "/" + from, path + "/" + to) == 0 else { throw .io(operation: "rename", path: path + "/" + from, errno: errno) }
    }

    public func sync() throws(StorageError) {
        let descriptor = systemOpen(path, O_RDONLY)
        guard descriptor >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { systemClose(descriptor) }
        guard fsync(descriptor) == 0 else { throw .io(operation: "fsync", path: path, errno: errno) }
    }
}

/// A file opened by ``DiskDirectory``. Immutable after opening (a descriptor and names), so
/// sharing it across threads is safe; the WAL serialises its writes itself.
final class DiskFile: StorageFile {
    let name: String
    let path: String
    private let descriptor: Int32

    init(directory: String, name: String, flags: Int32) throws(StorageError) {
        self.name = name
        self.path = directory + "/" + name
        descriptor = systemOpen(path, flags)
        guard descriptor >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
    }

    func size() throws(StorageError) -> Int {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .io(operation: "fstat", path: path, errno: errno) }
        return Int(status.st_size)
    }

    func read(at offset: Int, count: Int) throws(StorageError) -> [UInt8] {
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = 0
            while initialized < count {
                let result = pread(descriptor, buffer.baseAddress! + initialized, count - initialized, off_t(offset + initialized))
                if result < 0, errno == EINTR { continue }
                if result < 0 { failure = errno }
                if result <= 0 { break }
                initialized += result
            }
        }
        guard failure == 0 else { throw .io(operation: "pread", path: path, errno: failure) }
        return bytes
    }

    func write(_ bytes: some Collection<UInt8>, at offset: Int) throws(StorageError) {
        let failure: Int32? =
            bytes.withContiguousStorageIfAvailable { buffer in
                writeAll(buffer, at: offset)
            } ?? Array(bytes).withUnsafeBufferPointer { writeAll($0, at: offset) }
        if let failure { throw .io(operation: "pwrite", path: path, errno: failure) }
    }

    private func writeAll(_ buffer: UnsafeBufferPointer<UInt8>, at offset: Int) -> Int32? {
        var written = 0
        while written < buffer.count {
            let result = pwrite(descriptor, buffer.baseAddress! + written, buffer.count - written, off_t(offset + written))
            if result < 0, errno == EINTR { continue }
            if result < 0 { return errno }
            written += result
        }
        return nil
    }

    func allocate(size: Int) throws(StorageError) {
        #if canImport(Glibc)
            let result = posix_fallocate(descriptor, 0, off_t(size))
            if result == 0 { return }
            guard result == EOPNOTSUPP || result == EINVAL else { throw .io(operation: "fallocate", path: path, errno: result) }
        #endif
        guard try self.size() < size else { return }
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw .io(operation: "ftruncate", path: path, errno: errno) }
    }

    func truncate(to size: Int) throws(StorageError) {
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw .io(operation: "ftruncate", path: path, errno: errno) }
    }

    func sync() throws(StorageError) {
        #if canImport(Glibc)
            let result = fdatasync(descriptor)
        #else
            let result = fsync(descriptor)
        #endif
        guard result == 0 else { throw .io(operation: "fdatasync", path: path, errno: errno) }
    }

    func close() {
        systemClose(descriptor)
    }
}
