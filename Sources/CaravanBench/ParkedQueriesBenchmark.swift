import ArgumentParser
import CaravanModel
import CaravanServer
import CaravanState
import Foundation
import NIOCore

/// Parks N blocking queries on a plugin over loopback HTTP against a separate `caravan agent
/// -dev` process, then makes one write that concerns them: how long until the last response
/// arrives, and how much server memory each parked query held.
struct ParkedQueriesBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parked-queries", abstract: "10,000 parked blocking queries woken by one write."
    )

    @Option(help: "Parked queries.") var queries = 10_000
    @Option(help: "Port for the agent under test.") var port = 46460
    @Option(help: "Path of the caravan binary (default: next to this one).") var caravan: String?

    func run() async throws {
        FileDescriptorLimit.raiseToHardLimit()
        let binary = caravan ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("caravan").path
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: binary)
        agent.arguments = ["agent", "-dev", "-http-addr", "127.0.0.1:\(port)", "-log-level", "warning"]
        try agent.run()
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        defer {
            agent.terminate()
            agent.waitUntilExit()
        }

        try await waitUntil("the agent answers") { (try? await client.get("/v1/status/leader").get().status) == 200 }
        let node = Workload.node(0, plugin: "bench")
        let register = try await client.put("/v1/node/register", body: Self.registerBody(node)).get()
        precondition(register.status == 200, "registration failed: \(register.body)")
        let plugin = try await client.get("/v1/plugin/csi/bench").get()
        precondition(plugin.status == 200)
        let before = try Self.residentKilobytes(pid: agent.processIdentifier)

        var responses: [EventLoopFuture<LoopbackHTTPClient.Outcome>] = []
        responses.reserveCapacity(queries)
        for _ in 0..<queries { responses.append(client.get("/v1/plugin/csi/bench?index=1&wait=300s")) }
        try await waitUntil("\(queries) queries park") { try await Self.parked(client) == queries }
        let after = try Self.residentKilobytes(pid: agent.processIdentifier)

        let start = ContinuousClock.now
        let change = try await client.put("/v1/node/register", body: Self.registerBody(Workload.node(1, plugin: "bench"))).get()
        precondition(change.status == 200)
        var last = start
        var ok = 0
        for response in responses {
            let outcome = try await response.get()
            if outcome.status == 200 { ok += 1 }
            last = max(last, outcome.finished)
        }
        let elapsed = last - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("parked-queries: \(queries) blocking queries on GET /v1/plugin/csi/:id, one write wakes them all")
        print("  responses 200: \(ok)/\(queries)")
        print("  write → last response: \(format(seconds * 1000)) ms")
        print("  server memory per parked query: \(format(Double((after - before) * 1024) / Double(queries))) bytes (RSS \(before) → \(after) KiB)")
        try await client.shutdown()
    }

    static func registerBody(_ node: Node) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("Node", NodeWithSecret(node: node))
        json.endObject()
        return json.bytes
    }

    static func parked(_ client: LoopbackHTTPClient) async throws -> Int {
        let body = try await client.get("/v1/agent/self").get().body
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let stats = (object?["stats"] as? [String: Any])?["caravan"] as? [String: Any]
        return Int(stats?["blocking_queries_parked"] as? String ?? "") ?? -1
    }

    static func residentKilobytes(pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw ValidationError("timed out waiting until \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// A node as a client sends it: with its secret (the API's encoding blanks it).
struct NodeWithSecret: JSONWritable {
    let node: Node

    func write(to json: inout JSONWriter) {
        var bytes = JSONWriter.encode(node)
        let blank = Array(#""SecretID":"""#.utf8)
        if let range = bytes.firstRange(of: blank) {
            bytes.replaceSubrange(range, with: Array(#""SecretID":"\#(node.secretID)""#.utf8))
        }
        json.raw(bytes)
    }
}
