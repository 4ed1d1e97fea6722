public import CaravanRaft

/// A snapshot as read back from its file.
public struct StoredSnapshot: Sendable {
    /// The index of the last entry the snapshot covers.
    public let index: UInt64
    /// The term of that entry.
    public let term: UInt64
    /// The cluster configuration as of `index` (empty in a version 1 file).
    public let configuration: Configuration
    /// The encoded state, as given to ``SnapshotFiles/save(index:term:configuration:state:)``.
    public let state: [UInt8]
    /// The file's bytes: what a leader sends a follower that needs the snapshot.
    public let frame: [UInt8]
    /// The file's name and length.
    public let fileName: String
    public let fileSize: Int
    /// The LZ4 frame's content checksum (xxHash32 of the uncompressed bytes).
    public let contentChecksum: UInt32
}
