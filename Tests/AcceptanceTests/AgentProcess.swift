import Foundation
import NIOHTTP1
import Synchronization

/// A `caravan` child process serving HTTP (`caravan agent`, `caravan replay --serve`), started
/// on a free port, that a test can kill.
final class AgentProcess {
    let process = Process()
    let port: Int
    private let errorOutput = Pipe()
    private let captured = OutputBuffer()

    /// The `caravan` binary: `CARAVAN_BINARY`, or the package's debug build (`make test` builds it
    /// before running the tests).
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["CARAVAN_BINARY"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/caravan")
    }

    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `caravan agent` with `arguments` and waits (up to `deadline`) for it to report its
    /// HTTP port; `command` replaces `agent` and its address flags. With `openFiles`, the agent
    /// may open at most that many files (soft and hard limit, set by the shell that starts it).
    init(arguments: [String], command: [String]? = nil, openFiles: Int? = nil, deadline: Duration = .seconds(60)) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            throw StartFailure(description: "\(Self.binary.path) is missing: run `swift build` first (make test does)")
        }
        let caravanArguments = (command ?? ["agent", "-http-addr", "127.0.0.1:0", "-log-level", "info"]) + arguments
        if let openFiles {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(openFiles) && exec \"$0\" \"$@\"", Self.binary.path] + caravanArguments
        } else {
            process.executableURL = Self.binary
            process.arguments = caravanArguments
        }
        process.standardError = errorOutput
        process.standardOutput = errorOutput
        try process.run()
        // Read stderr until the line naming the port; a process that exits first ends the read.
        let start = ContinuousClock.now
        var text = ""
        var found: Int?
        while found == nil, ContinuousClock.now - start < deadline {
            let chunk = errorOutput.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: #"HTTP API on https?://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                found = Int(text[range].split(separator: ":").last!)
            }
        }
        guard let found else {
            process.terminate()
            throw StartFailure(description: "the agent (\(process.arguments ?? [])) did not report its port; its output:\n\(text)")
        }
        port = found
        // Keep draining its output, so that the agent never blocks on a full pipe, into what
        // `output` shows: blocking reads on a thread of its own until the end of the stream. (A
        // readability handler is a dispatch source, and the pipe's descriptor may close before a
        // source's cancellation has run, which libdispatch on Linux does not survive.)
        captured.append(text)
        let reading = errorOutput.fileHandleForReading
        let drained = drained
        Thread.detachNewThread { [captured] in
            while case let chunk = reading.availableData, !chunk.isEmpty {
                captured.append(String(decoding: chunk, as: UTF8.self))
            }
            drained.signal()
        }
    }

    /// Signalled once the thread draining the agent's output has read to its end.
    private let drained = DispatchSemaphore(value: 0)

    /// Waits (up to 10 s) until the output of an exited agent has been read to its end.
    private func awaitDrained() {
        _ = drained.wait(timeout: .now() + 10)
    }

    /// Everything the agent has printed so far.
    var output: String { captured.text }

    /// Runs `caravan` (or another of the package's programs) with `arguments` to completion;
    /// returns its exit status and output (standard output, and standard error unless
    /// `standardErrorToo` is false). The blocking wait happens on a thread of its own, never on
    /// one of the few threads Swift's concurrency shares between all the tests.
    static func run(
        _ arguments: [String], binary: URL = AgentProcess.binary, environment: [String: String] = [:], standardErrorToo: Bool = true
    ) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result {
                        let process = Process()
                        process.executableURL = binary
                        process.arguments = arguments
                        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
                        let output = Pipe()
                        process.standardOutput = output
                        if standardErrorToo { process.standardError = output }
                        try process.run()
                        let data = output.fileHandleForReading.readDataToEndOfFile()
                        process.waitUntilExit()
                        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
                    })
            }
        }
    }

    /// SIGTERM, then waits for the process to exit; returns its exit status.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        awaitDrained()
        return process.terminationStatus
    }

    /// `kill -9`: no chance to flush or close anything.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        awaitDrained()
    }

    /// Sends one request; returns the status and body (`nil` if the connection failed).
    func request(_ method: String, _ path: String, body: Data? = nil, token: String? = nil) async -> Answer? {
        await Self.request(port: port, method, path, body: body, token: token)
    }

    /// Sends one request to the agent on `port`, with `X-Nomad-Token` when `token` is given;
    /// `nil` if the connection fails or no answer comes within `timeout`.
    static func request(
        port: Int, _ method: String, _ path: String, body: Data? = nil, token: String? = nil, timeout: Duration = .seconds(30)
    ) async -> Answer? {
        let headers = token.map { [("X-Nomad-Token", $0)] } ?? []
        guard let answer = try? await HTTPTestClient.send(port: port, method, path, headers: headers, body: body, timeout: timeout) else {
            return nil
        }
        return Answer(status: answer.status, body: answer.body, index: answer.headers.first(name: "X-Nomad-Index").flatMap { Int($0) })
    }

    /// What a child process printed, collected from the thread that drains its pipe.
    final class OutputBuffer: Sendable {
        private let buffer = Mutex("")
        func append(_ text: String) { buffer.withLock { $0 += text } }
        var text: String { buffer.withLock { $0 } }
    }

    /// An HTTP answer: status, body and `X-Nomad-Index`.
    struct Answer {
        let status: Int
        let body: Data
        let index: Int?
    }
}
