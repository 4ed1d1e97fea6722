public import CaravanAdmission
public import CaravanRaft

/// A request a follower hands to the leader: a write, a membership change or a transfer.
public enum ForwardedOperation: Sendable, Hashable {
    case command([UInt8])
    case configuration(ConfigurationChange)
    case transferLeadership(NodeID)
}

/// The leader's answer to a forwarded operation.
public enum ForwardResult: Sendable, Hashable {
    /// Committed and applied at this index (0 for a leadership transfer).
    case applied(UInt64)
    /// The receiver is not the leader (any more); ask again.
    case notLeader
    /// The leader lost its leadership before the write committed; it may or may not apply.
    case leadershipLost
    case failed(String)
    /// The leader refused to propose the write: invalid, not allowed, or about a missing object.
    case refused(AdmissionError)
    /// The leader refused to propose the write because a bound on what it holds was met (its
    /// inbox was full); the message names the bound. Nothing was proposed.
    case overloaded(String)
}

/// A server introducing itself to the servers it was told to join, and their answer: who they
/// know. Servers of a new cluster use it to find each other before bootstrapping
/// (`-bootstrap-expect`); a fresh server uses it to be added to a running cluster.
public struct Hello: Sendable, Hashable {
    public var server: Server
    /// Whether the sender has a log or a snapshot (a fresh server has neither).
    public var hasState: Bool
    /// Whether the sender belongs to a configuration.
    public var isMember: Bool
    public var known: [Server]
    public var isReply: Bool
    /// The number of servers the sender waits for to found a new cluster (its
    /// `-bootstrap-expect`), or 0 when it founds none (it joins one, or it is a member): a
    /// founder counts only founders that expect as many as it does, so a server that joins
    /// while the founders still look for each other never lands in one founder's first
    /// configuration and not in another's.
    public var founding: Int

    public init(server: Server, hasState: Bool, isMember: Bool, known: [Server], isReply: Bool, founding: Int = 0) {
        self.server = server
        self.hasState = hasState
        self.isMember = isMember
        self.known = known
        self.isReply = isReply
        self.founding = founding
    }
}

/// Everything servers send each other over the peer transport. Every frame names its sender,
/// which the connection it arrives on must keep naming (the transport's connection binding).
public enum PeerFrame: Sendable {
    case raft(Message)
    /// A follower's operation for the leader, with the credentials of the request behind it:
    /// the leader authorizes it as if the request had reached its own API.
    case forward(requestID: UInt64, from: NodeID, operation: ForwardedOperation, credentials: WriteCredentials)
    case forwardResult(requestID: UInt64, from: NodeID, result: ForwardResult)
    case hello(Hello)

    /// The server that sent the frame.
    public var sender: NodeID {
        switch self {
        case .raft(let message): message.from
        case .forward(_, let from, _, _): from
        case .forwardResult(_, let from, _): from
        case .hello(let hello): hello.server.id
        }
    }
}

/// A frame that did not decode.
public struct PeerFrameError: Error, CustomStringConvertible {
    public let description: String
}

extension PeerFrame {
    public func encoded() -> [UInt8] {
        var writer = FrameWriter()
        switch self {
        case .raft(let message):
            return [0] + message.encoded()
        case .forward(let requestID, let from, let operation, let credentials):
            writer.byte(1)
            writer.uint64(requestID)
            writer.uint64(from)
            writer.bytes(Array(credentials.secret.utf8))
            writer.byte(credentials.policyOverride ? 1 : 0)
            switch operation {
            case .command(let data):
                writer.byte(0)
                writer.bytes(data)
            case .configuration(.addNonvoter(let server)):
                writer.byte(1)
                writer.bytes(Configuration([server]).encoded())
            case .configuration(.promote(let id)):
                writer.byte(2)
                writer.uint64(id)
            case .configuration(.remove(let id)):
                writer.byte(3)
                writer.uint64(id)
            case .transferLeadership(let id):
                writer.byte(4)
                writer.uint64(id)
            }
        case .forwardResult(let requestID, let from, let result):
            writer.byte(2)
            writer.uint64(requestID)
            writer.uint64(from)
            switch result {
            case .applied(let index):
                writer.byte(0)
                writer.uint64(index)
            case .notLeader:
                writer.byte(1)
            case .failed(let reason):
                writer.byte(2)
                writer.bytes(Array(reason.utf8))
            case .leadershipLost:
                writer.byte(3)
            case .refused(let error):
                writer.byte(4)
                writer.byte(error.kind.rawValue)
                writer.bytes(Array(error.message.utf8))
            case .overloaded(let reason):
                writer.byte(5)
                writer.bytes(Array(reason.utf8))
            }
        case .hello(let hello):
            writer.byte(3)
            writer.byte((hello.hasState ? 1 : 0) | (hello.isMember ? 2 : 0) | (hello.isReply ? 4 : 0) | (hello.founding > 0 ? 8 : 0))
            writer.bytes(Configuration([hello.server]).encoded())
            writer.bytes(Configuration(hello.known).encoded())
            if hello.founding > 0 { writer.uint64(UInt64(hello.founding)) }
        }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws {
        guard let tag = bytes.first else { throw PeerFrameError(description: "empty frame") }
        if tag == 0 {
            self = .raft(try Message(decoding: Array(bytes.dropFirst())))
            return
        }
        var reader = FrameReader(buffer: bytes, position: 1)
        switch tag {
        case 1:
            let requestID = try reader.uint64()
            let from = try reader.uint64()
            let secret = String(decoding: try reader.bytes(), as: UTF8.self)
            let credentials = WriteCredentials(secret: secret, policyOverride: try reader.byte() == 1)
            let operation: ForwardedOperation
            switch try reader.byte() {
            case 0: operation = .command(try reader.bytes())
            case 1:
                guard let server = try Configuration(decoding: try reader.bytes()).servers.first else {
                    throw PeerFrameError(description: "no server to add")
                }
                operation = .configuration(.addNonvoter(server))
            case 2: operation = .configuration(.promote(try reader.uint64()))
            case 3: operation = .configuration(.remove(try reader.uint64()))
            case 4: operation = .transferLeadership(try reader.uint64())
            default: throw PeerFrameError(description: "unknown forwarded operation")
            }
            self = .forward(requestID: requestID, from: from, operation: operation, credentials: credentials)
        case 2:
            let requestID = try reader.uint64()
            let from = try reader.uint64()
            let result: ForwardResult
            switch try reader.byte() {
            case 0: result = .applied(try reader.uint64())
            case 1: result = .notLeader
            case 2: result = .failed(String(decoding: try reader.bytes(), as: UTF8.self))
            case 3: result = .leadershipLost
            case 4:
                guard let kind = AdmissionError.Kind(rawValue: try reader.byte()) else {
                    throw PeerFrameError(description: "unknown refusal kind")
                }
                result = .refused(AdmissionError(kind, String(decoding: try reader.bytes(), as: UTF8.self)))
            case 5: result = .overloaded(String(decoding: try reader.bytes(), as: UTF8.self))
            default: throw PeerFrameError(description: "unknown forward result")
            }
            self = .forwardResult(requestID: requestID, from: from, result: result)
        case 3:
            let flags = try reader.byte()
            guard let server = try Configuration(decoding: try reader.bytes()).servers.first else {
                throw PeerFrameError(description: "hello without a server")
            }
            let known = try Configuration(decoding: try reader.bytes()).servers
            var founding = 0
            if flags & 8 != 0 {
                let expect = try reader.uint64()
                guard expect > 1, expect <= UInt64(CoreLimits.introducedServers) else { throw PeerFrameError(description: "hello founding a cluster of \(expect)") }
                founding = Int(expect)
            }
            self = .hello(
                Hello(server: server, hasState: flags & 1 != 0, isMember: flags & 2 != 0, known: known, isReply: flags & 4 != 0, founding: founding))
        default:
            throw PeerFrameError(description: "unknown frame tag \(tag)")
        }
        guard reader.position == bytes.count else { throw PeerFrameError(description: "\(bytes.count - reader.position) bytes after the frame") }
    }
}

private struct FrameWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func uint64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func bytes(_ value: [UInt8]) {
        withUnsafeBytes(of: UInt32(value.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: value)
    }
}

private struct FrameReader {
    let buffer: [UInt8]
    var position: Int

    mutating func byte() throws -> UInt8 {
        guard position < buffer.count else { throw PeerFrameError(description: "frame cut short") }
        defer { position += 1 }
        return buffer[position]
    }

    mutating func uint64() throws -> UInt64 {
        guard position + 8 <= buffer.count else { throw PeerFrameError(description: "frame cut short") }
        var value: UInt64 = 0
        for shift in 0..<8 { value |= UInt64(buffer[position + shift]) << (8 * UInt64(shift)) }
        position += 8
        return value
    }

    mutating func bytes() throws -> [UInt8] {
        guard position + 4 <= buffer.count else { throw PeerFrameError(description: "frame cut short") }
        var count = 0
        for shift in 0..<4 { count |= Int(buffer[position + shift]) << (8 * shift) }
        position += 4
        guard count <= buffer.count - position else { throw PeerFrameError(description: "field runs past the frame") }
        defer { position += count }
        return Array(buffer[position..<position + count])
    }
}
