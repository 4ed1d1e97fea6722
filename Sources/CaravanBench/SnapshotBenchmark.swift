import ArgumentParser
import CaravanModel
import CaravanState
import CaravanStorage
import Foundation

/// Snapshot write (encode, LZ4, write, fsync, rename) and restore (read, LZ4, decode) of a state
/// with many objects, with `lz4 -b1` on the same bytes beside the LZ4 figures.
struct SnapshotBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "Snapshot write and restore time for a large state."
    )

    @Option(help: "Client nodes, each fingerprinting one node plugin (every tenth also a controller).") var nodes = 90_000
    @Option(help: "Jobs, each running a plugin.") var jobs = 10_000
    @Option(help: "Distinct CSI plugins.") var plugins = 100
    @Option(help: "Repetitions of each measurement.") var repetitions = 3

    func run() throws {
        var machine = StateMachine()
        var index: UInt64 = 0
        for number in 0..<nodes {
            index += 1
            _ = machine.apply(
                index: index,
                command: .nodeRegister(NodeRegistration(node: Workload.node(number, plugin: "plugin-\(number % plugins)"), time: Workload.time)))
        }
        for number in 0..<jobs {
            index += 1
            _ = machine.apply(
                index: index,
                command: .jobRegister(
                    JobRegistration(job: Workload.pluginJob(number, plugin: "plugin-\(number % plugins)"), submitTime: Workload.time)))
        }
        let state = machine.state
        let objects = state.nodeCount + state.jobs(namespace: nil).count + state.pluginCount
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-bench-snapshot-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let files = SnapshotFiles(directory: try DiskDirectory(path: path))

        var encoding: [UInt8] = []
        let encode = (0..<repetitions).map { _ in measure { encoding = state.encoded() } }.min()!
        var saved = (name: "", frame: [UInt8]())
        let write = try (0..<repetitions).map { repetition in
            try measure { saved = try files.save(index: index + UInt64(repetition), term: 1, state: state.encoded()) }
        }.min()!
        // Each restored state is kept until the end, so that freeing one is not timed.
        var restored: [StateVersion] = []
        let restore = try (0..<repetitions).map { _ in
            try measure { restored.append(try StateVersion(decoding: files.load(saved.name).state)) }
        }.min()!
        var frame: [UInt8] = []
        let compress = try (0..<repetitions).map { _ in try measure { frame = try LZ4Frame.compress(encoding) } }.min()!
        let decompress = try (0..<repetitions).map { _ in try measure { _ = try LZ4Frame.decompress(frame) } }.min()!
        precondition(restored.allSatisfy { $0.stateHash == state.stateHash }, "the restored state differs")

        let megabytes = Double(encoding.count) / 1_048_576
        print(
            "snapshot: \(objects) objects (\(state.nodeCount) nodes, \(jobs) jobs, \(state.pluginCount) plugins), state encoding \(format(megabytes)) MiB, file \(format(Double(saved.frame.count) / 1_048_576)) MiB (ratio \(format(Double(encoding.count) / Double(saved.frame.count))))"
        )
        print("  write (encode + LZ4 + write + fsync + rename): \(format(write * 1000)) ms; of which encoding \(format(encode * 1000)) ms")
        print("  restore (read + LZ4 + checksum + decode):      \(format(restore * 1000)) ms")
        print(
            "  LZ4 frame level 1 on the state encoding: compress \(format(megabytes / compress)) MiB/s, decompress \(format(megabytes / decompress)) MiB/s"
        )
        print("  lz4 -b1 on the same bytes: \(LZ4Tool.benchmark(encoding))")
    }
}

/// The `lz4` command's own benchmark, for comparison.
enum LZ4Tool {
    /// `lz4 -b1 -i1` on `bytes`: its result line, or why there is none.
    static func benchmark(_ bytes: [UInt8]) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-bench-sample-\(getpid())").path
        guard (try? Data(bytes).write(to: URL(fileURLWithPath: path))) != nil else { return "could not write the sample" }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lz4 = Process()
        lz4.executableURL = URL(fileURLWithPath: "/usr/bin/lz4")
        lz4.arguments = ["-b1", "-i1", path]
        let pipe = Pipe()
        lz4.standardOutput = pipe
        lz4.standardError = pipe
        guard (try? lz4.run()) != nil else { return "the lz4 command is not installed" }
        lz4.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // lz4 redraws its progress line with carriage returns; the last line with both speeds is the result.
        let line = output.split(whereSeparator: { $0 == "\r" || $0 == "\n" }).last { $0.filter { $0 == "/" }.count >= 2 }.map(String.init) ?? output
        return line.trimmingCharacters(in: .whitespaces)
    }
}
