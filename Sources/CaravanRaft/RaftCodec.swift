/// A message or configuration that did not decode.
public struct RaftCodecError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The binary form of raft's values on the wire: little-endian integers, strings and byte
/// arrays prefixed with their u32 length.
enum RaftCodec {
    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func append(_ value: [UInt8], to bytes: inout [UInt8]) {
        append(UInt32(value.count), to: &bytes)
        bytes.append(contentsOf: value)
    }

    static func append(_ value: String, to bytes: inout [UInt8]) {
        append(Array(value.utf8), to: &bytes)
    }

    /// Reads values back, throwing on anything cut short.
    struct Reader {
        private let bytes: [UInt8]
        private var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var isAtEnd: Bool { position == bytes.count }

        mutating func byte() throws(RaftCodecError) -> UInt8 {
            guard position < bytes.count else { throw RaftCodecError("cut short at byte \(position)") }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func uint64() throws(RaftCodecError) -> UInt64 {
            guard position + 8 <= bytes.count else { throw RaftCodecError("cut short at byte \(position)") }
            var value: UInt64 = 0
            for shift in 0..<8 { value |= UInt64(bytes[position + shift]) << (8 * UInt64(shift)) }
            position += 8
            return value
        }

        mutating func uint32() throws(RaftCodecError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw RaftCodecError("cut short at byte \(position)") }
            var value: UInt32 = 0
            for shift in 0..<4 { value |= UInt32(bytes[position + shift]) << (8 * UInt32(shift)) }
            position += 4
            return value
        }

        mutating func byteArray() throws(RaftCodecError) -> [UInt8] {
            let count = Int(try uint32())
            guard count <= bytes.count - position else { throw RaftCodecError("a \(count)-byte field runs past the end") }
            defer { position += count }
            return Array(bytes[position..<position + count])
        }

        mutating func string() throws(RaftCodecError) -> String {
            String(decoding: try byteArray(), as: UTF8.self)
        }

        mutating func configuration() throws(RaftCodecError) -> Configuration {
            let count = Int(try uint32())
            var servers: [Server] = []
            for _ in 0..<min(count, 1024) {
                let id = try uint64()
                let isVoter = try byte() == 1
                servers.append(Server(id: id, name: try string(), raftAddress: try string(), httpAddress: try string(), isVoter: isVoter))
            }
            guard servers.count == count else { throw RaftCodecError("configuration of \(count) servers") }
            return Configuration(servers)
        }
    }
}

extension Message {
    /// The message's bytes on the wire (the transport adds the length prefix).
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [kind.rawValue, reject ? 1 : 0]
        bytes.reserveCapacity(64 + entries.reduce(0) { $0 + 32 + $1.data.count } + (snapshot?.data.count ?? 0))
        for value in [from, to, term, logTerm, index, commit, rejectHint, context] { RaftCodec.append(value, to: &bytes) }
        RaftCodec.append(UInt32(entries.count), to: &bytes)
        for entry in entries {
            RaftCodec.append(entry.index, to: &bytes)
            RaftCodec.append(entry.term, to: &bytes)
            bytes.append(entry.kind.rawValue)
            RaftCodec.append(entry.data, to: &bytes)
        }
        if let snapshot {
            bytes.append(1)
            RaftCodec.append(snapshot.metadata.index, to: &bytes)
            RaftCodec.append(snapshot.metadata.term, to: &bytes)
            bytes.append(contentsOf: snapshot.metadata.configuration.encoded())
            RaftCodec.append(snapshot.totalSize, to: &bytes)
            RaftCodec.append(snapshot.offset, to: &bytes)
            RaftCodec.append(snapshot.data, to: &bytes)
        } else {
            bytes.append(0)
        }
        return bytes
    }

    /// Decodes what ``encoded()`` wrote; bad bytes throw, they never trap.
    public init(decoding bytes: [UInt8]) throws(RaftCodecError) {
        var reader = RaftCodec.Reader(bytes)
        let kindByte = try reader.byte()
        guard let kind = MessageKind(rawValue: kindByte) else { throw RaftCodecError("unknown message kind \(kindByte)") }
        let reject = try reader.byte() == 1
        let from = try reader.uint64()
        let to = try reader.uint64()
        self.init(kind: kind, from: from, to: to, term: try reader.uint64())
        self.reject = reject
        logTerm = try reader.uint64()
        index = try reader.uint64()
        commit = try reader.uint64()
        rejectHint = try reader.uint64()
        context = try reader.uint64()
        let count = Int(try reader.uint32())
        guard count <= bytes.count else { throw RaftCodecError("\(count) entries in a \(bytes.count)-byte message") }
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let index = try reader.uint64()
            let term = try reader.uint64()
            let kindByte = try reader.byte()
            guard let kind = EntryKind(rawValue: kindByte) else { throw RaftCodecError("unknown entry kind \(kindByte)") }
            entries.append(LogEntry(index: index, term: term, kind: kind, data: try reader.byteArray()))
        }
        if try reader.byte() == 1 {
            let index = try reader.uint64()
            let term = try reader.uint64()
            let metadata = RaftSnapshotMetadata(index: index, term: term, configuration: try reader.configuration())
            snapshot = SnapshotChunk(
                metadata: metadata, totalSize: try reader.uint64(), offset: try reader.uint64(), data: try reader.byteArray())
        }
        guard reader.isAtEnd else { throw RaftCodecError("trailing bytes after a message") }
    }
}
