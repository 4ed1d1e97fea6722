import Foundation
import Testing

@testable import CaravanStorage

/// LZ4 frames through liblz4.
struct LZ4FrameTests {
    static let sample: [UInt8] = {
        var bytes: [UInt8] = []
        for i in 0..<20_000 { bytes.append(contentsOf: Array("node-\(i % 500) plugin-\(i % 7) healthy\n".utf8)) }
        return bytes
    }()

    @Test("a frame decompresses to the bytes that were compressed, empty input included")
    func roundTrip() throws {
        for input in [Self.sample, [], [42], Array(Self.sample.prefix(100_000))] {
            let frame = try LZ4Frame.compress(input)
            #expect(try LZ4Frame.decompress(frame) == input)
        }
        #expect(try LZ4Frame.compress(Self.sample).count < Self.sample.count / 4, "repetitive state compresses")
    }

    @Test("every truncation of a frame is an error")
    func truncation() throws {
        let frame = try LZ4Frame.compress(Array(Self.sample.prefix(5_000)))
        for length in stride(from: 0, to: frame.count, by: max(1, frame.count / 200)) {
            #expect(throws: LZ4Error.self) { try LZ4Frame.decompress(Array(frame.prefix(length))) }
        }
    }

    @Test("a flipped bit in the payload is caught by the content checksum")
    func corruption() throws {
        var frame = try LZ4Frame.compress(Self.sample)
        frame[frame.count / 2] ^= 0x10
        #expect(throws: LZ4Error.self) { try LZ4Frame.decompress(frame) }
    }

    @Test("bytes after the frame are an error")
    func trailingBytes() throws {
        let frame = try LZ4Frame.compress([1, 2, 3])
        #expect(throws: LZ4Error.self) { try LZ4Frame.decompress(frame + [0, 0, 0, 0]) }
    }

    @Test("the lz4 command reads what Caravan writes", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/lz4")))
    func readableByTheCommand() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-lz4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let compressed = directory.appendingPathComponent("state.lz4")
        let restored = directory.appendingPathComponent("state")
        try Data(try LZ4Frame.compress(Self.sample)).write(to: compressed)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/lz4")
        process.arguments = ["-d", "-q", compressed.path, restored.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try [UInt8](Data(contentsOf: restored)) == Self.sample)
    }
}
