import Foundation
import Testing

@testable import CaravanStorage

/// The term-and-vote file.
struct StableStoreTests {
    static func withDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-stable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory.path)
    }

    @Test("nothing saved reads as nil; the last save is what loads")
    func saveAndLoad() throws {
        try Self.withDirectory { directory in
            let store = FileStableStore(directory: directory)
            #expect(try store.load() == nil)
            try store.save(TermAndVote(term: 3, votedFor: "server-2"))
            try store.save(TermAndVote(term: 4, votedFor: ""))
            #expect(try FileStableStore(directory: directory).load() == TermAndVote(term: 4, votedFor: ""))
            #expect(!FileManager.default.fileExists(atPath: store.path + ".tmp"))
        }
    }

    @Test("a leftover temporary file from a crash before the rename is ignored")
    func leftoverTemporary() throws {
        try Self.withDirectory { directory in
            let store = FileStableStore(directory: directory)
            try store.save(TermAndVote(term: 7, votedFor: "a"))
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: store.path + ".tmp"))
            #expect(try store.load() == TermAndVote(term: 7, votedFor: "a"))
        }
    }

    @Test("a damaged record is a clear error naming the file, never a wrong term")
    func corruption() throws {
        try Self.withDirectory { directory in
            let store = FileStableStore(directory: directory)
            try store.save(TermAndVote(term: 9, votedFor: "server-1"))
            let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: store.path)))
            for position in 0..<good.count {
                var damaged = good
                damaged[position] ^= 0x04
                try Data(damaged).write(to: URL(fileURLWithPath: store.path))
                #expect(throws: StableStoreError.self, "byte \(position)") { try store.load() }
            }
            try Data(good.prefix(10)).write(to: URL(fileURLWithPath: store.path))
            let error = try #require(throws: StableStoreError.self) { try store.load() }
            #expect(String(describing: error).contains(store.path))
        }
    }
}
