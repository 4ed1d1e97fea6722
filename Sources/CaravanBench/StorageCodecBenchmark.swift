import ArgumentParser
import CaravanStorage
import Foundation

/// LZ4 frame compression and CRC-32C throughput on state-shaped bytes, with the `lz4` command's
/// own benchmark (`lz4 -b1`) on the same bytes beside it.
struct StorageCodecBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage-codecs", abstract: "LZ4 frames and CRC-32C against lz4 -1 on the same bytes."
    )

    @Option(help: "Node-register entries concatenated into the sample (about 455 bytes each).") var entries = 100_000
    @Option(help: "Repetitions of each measurement.") var repetitions = 5

    func run() throws {
        var sample: [UInt8] = []
        for number in 0..<entries { sample.append(contentsOf: Workload.nodeRegister(number, plugin: "plugin-\(number % 10)")) }
        let megabytes = Double(sample.count) / 1_048_576

        var frame: [UInt8] = []
        let compress = try (0..<repetitions).map { _ in try measure { frame = try LZ4Frame.compress(sample) } }.min()!
        var restored: [UInt8] = []
        let decompress = try (0..<repetitions).map { _ in try measure { restored = try LZ4Frame.decompress(frame) } }.min()!
        precondition(restored == sample)
        var checksum: UInt32 = 0
        let crc = (0..<repetitions).map { _ in measure { checksum = CRC32C.checksum(sample) } }.min()!

        print("storage-codecs: \(format(megabytes)) MiB of encoded node registrations")
        print(
            "  LZ4 frame, level 1:  compress \(format(megabytes / compress)) MiB/s, decompress \(format(megabytes / decompress)) MiB/s, ratio \(format(Double(sample.count) / Double(frame.count)))"
        )
        print("  CRC-32C:             \(format(megabytes / crc)) MiB/s (\(String(checksum, radix: 16)))")

        print("  lz4 -b1 (same bytes): \(LZ4Tool.benchmark(sample))")
    }
}
