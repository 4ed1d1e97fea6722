#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a storage operation failed.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// Bytes that were made durable do not read back as written: a startup error, since going on
    /// would silently lose acknowledged data.
    case corrupt(path: String, offset: Int, reason: String)
    /// The files are intact but do not fit together (a missing segment, an unknown version).
    case inconsistent(String)

    public var description: String {
        switch self {
        case .io(let operation, let path, let code): "\(operation) \(path): \(String(cString: strerror(code)))"
        case .corrupt(let path, let offset, let reason): "\(path) is corrupt at offset \(offset): \(reason)"
        case .inconsistent(let reason): reason
        }
    }
}
