import Testing

@testable import CaravanRaft

/// The wire form of messages and configurations.
struct CodecTests {
    static let configuration = Configuration([
        Server(id: 7, name: "seven", raftAddress: "10.0.0.7:4647", httpAddress: "10.0.0.7:4646", isVoter: true),
        Server(id: 3, name: "three", raftAddress: "10.0.0.3:4647", httpAddress: "", isVoter: false),
    ])

    static let messages: [Message] = [
        Message(kind: .vote, from: 1, to: 2, term: 3, logTerm: 2, index: 9, context: 1),
        Message(
            kind: .append, from: 1, to: 2, term: 3, logTerm: 2, index: 9,
            entries: [
                LogEntry(index: 10, term: 3, kind: .noop, data: []),
                LogEntry(index: 11, term: 3, data: Array("hello".utf8)),
                LogEntry(index: 12, term: 3, kind: .configuration, data: configuration.encoded()),
            ], commit: 8),
        Message(kind: .appendResponse, from: 2, to: 1, term: 3, logTerm: 1, index: 9, reject: true, rejectHint: 4),
        Message(
            kind: .snapshot, from: 1, to: 2, term: 3,
            snapshot: SnapshotChunk(
                metadata: RaftSnapshotMetadata(index: 40, term: 2, configuration: configuration), totalSize: 100, offset: 50,
                data: [1, 2, 3])),
    ]

    @Test("a message decodes to what was encoded", arguments: messages)
    func roundTrip(_ message: Message) throws {
        #expect(try Message(decoding: message.encoded()) == message)
    }

    @Test("a configuration decodes to what was encoded, servers in ID order")
    func configurationRoundTrip() throws {
        let decoded = try Configuration(decoding: Self.configuration.encoded())
        #expect(decoded == Self.configuration)
        #expect(decoded.servers.map(\.id) == [3, 7])
    }

    @Test("every truncation of a message throws instead of trapping")
    func truncated() {
        for message in Self.messages {
            let bytes = message.encoded()
            for length in 0..<bytes.count {
                #expect(throws: RaftCodecError.self) { try Message(decoding: Array(bytes[..<length])) }
            }
        }
    }

    @Test("corrupted bytes throw or decode, never trap")
    func corrupted() {
        var generator = SplitMix64(seed: 42)
        for message in Self.messages {
            let bytes = message.encoded()
            for _ in 0..<200 {
                var corrupt = bytes
                corrupt[generator.next(below: corrupt.count)] = UInt8(truncatingIfNeeded: generator.next())
                _ = try? Message(decoding: corrupt)
            }
        }
    }

    @Test("a server's ID is a stable hash of its name and never 0")
    func serverIDs() {
        #expect(Server.id(named: "a") == Server.id(named: "a"))
        #expect(Server.id(named: "a") != Server.id(named: "b"))
        #expect(Server.id(named: "") != 0)
    }
}
