import ArgumentParser
import Foundation
import NIOCore

/// A server a benchmark measures, in a process of its own on a loopback port: one of the
/// package's programs beside `caravan-bench`, started and waited for until `readyPath` answers
/// 200 from it (a server that exited, leaving another process to answer on its port, is an
/// error), then stopped.
struct BenchmarkServer {
    let process = Process()

    /// `caravan agent`'s flag lifting its per-client connection limit (100): the load generator
    /// is one address that opens thousands of connections.
    static let unlimitedClient = ["-http-max-conns-per-client", "0"]

    init(program: String, arguments: [String], client: LoopbackHTTPClient, readyPath: String) async throws {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        try await self.init(executable: directory.appendingPathComponent(program), arguments: arguments, client: client, readyPath: readyPath)
    }

    /// Another program (etcd), found by its path; `discardOutput` sends what it prints nowhere.
    init(executable: URL, arguments: [String], client: LoopbackHTTPClient, readyPath: String, discardOutput: Bool = false) async throws {
        let program = executable.lastPathComponent
        process.executableURL = executable
        process.arguments = arguments
        if discardOutput {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while (try? await client.get(readyPath).get().status) != 200 {
            guard ContinuousClock.now < deadline, process.isRunning else {
                stop()
                throw ValidationError("\(program) did not answer on \(readyPath)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard process.isRunning else { throw ValidationError("\(program) exited: is its port in use?") }
    }

    var processIdentifier: Int32 { process.processIdentifier }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
