import ArgumentParser
import CaravanModel
import CaravanServer
import CaravanState
import Foundation
import NIOCore

/// Parks N blocking queries over loopback HTTP against a separate server process, then makes
/// one write that concerns them all: how long until the last response arrives, and how much
/// server memory each parked query held. `--peer bare` runs the same load against the smallest
/// Hummingbird long-poll server, to separate Caravan's costs from the HTTP stack's.
struct ParkedQueriesBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parked-queries", abstract: "10,000 parked blocking queries woken by one write."
    )

    enum Peer: String, ExpressibleByArgument {
        case caravan, bare
    }

    @Option(help: "Parked queries.") var queries = 10_000
    @Option(help: "Port for the server under test.") var port = 46460
    @Option(help: "caravan (GET /v1/plugin/csi/:id on caravan agent -dev) or bare (a bare Hummingbird long-poll).")
    var peer = Peer.caravan
    @Option(help: "With --peer bare: bytes of each answer (Caravan's plugin answer here is about 1,900).")
    var bodyBytes = 1_900
    @Flag(help: "Open the connections without sending requests: the server's memory per idle connection.")
    var idle = false
    @Option(help: "With --peer caravan: what the queries read, plugin (GET /v1/plugin/csi/:id) or volume (GET /v1/volume/csi/:id, woken by its plugin's health).")
    var target = Target.plugin

    enum Target: String, ExpressibleByArgument {
        case plugin, volume
    }

    func run() async throws {
        FileDescriptorLimit.raiseToHardLimit()
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        let server =
            switch peer {
            case .caravan:
                try await BenchmarkServer(
                    program: "caravan", arguments: ["agent", "-dev", "-http-addr", "127.0.0.1:\(port)", "-log-level", "warning"] + BenchmarkServer.unlimitedClient,
                    client: client, readyPath: "/v1/status/leader")
            case .bare:
                try await BenchmarkServer(
                    program: "caravan-bench", arguments: ["bare-server", "--port", String(port), "--body-bytes", String(bodyBytes)],
                    client: client, readyPath: "/parked")
            }
        defer { server.stop() }
        // The queries wait past the index the plugin has now: on Caravan, the registration's.
        var waitPath = "/wait?index=1"
        var readPath = "/wait?index=0"
        if peer == .caravan {
            let register = try await client.put("/v1/node/register", body: Self.registerBody(Workload.node(0, plugin: "bench"))).get()
            precondition(register.status == 200, "registration failed: \(register.body)")
            let reply = try JSONSerialization.jsonObject(with: Data(register.body.utf8)) as? [String: Any]
            var index = reply?["Index"] as? Int ?? 0
            waitPath = "/v1/plugin/csi/bench?index=\(index)&wait=300s"
            readPath = "/v1/plugin/csi/bench"
            if target == .volume {
                var json = JSONWriter()
                json.beginObject()
                json.field("Volumes", [RegisteredVolume(volume: Workload.volume(0, plugin: "bench"))])
                json.endObject()
                let registered = try await client.put("/v1/volumes", body: json.bytes).get()
                precondition(registered.status == 200, "volume registration failed: \(registered.body)")
                index = (try JSONSerialization.jsonObject(with: Data(registered.body.utf8)) as? [String: Any])?["Index"] as? Int ?? 0
                readPath = "/v1/volume/csi/\(Workload.volume(0, plugin: "bench").id)"
                waitPath = readPath + "?index=\(index)&wait=300s"
            }
        }
        let before = try Self.residentKilobytes(pid: server.processIdentifier)

        if idle { return try await measureIdleConnections(client, server: server, before: before) }
        var responses: [EventLoopFuture<LoopbackHTTPClient.Outcome>] = []
        responses.reserveCapacity(queries)
        for _ in 0..<queries { responses.append(client.get(waitPath, keepBody: false)) }
        try await waitUntil("\(queries) queries park") { try await parked(client) == queries }
        let after = try Self.residentKilobytes(pid: server.processIdentifier)

        let cpuBefore = try Self.cpuSeconds(pid: server.processIdentifier)
        let clientCPUBefore = try Self.cpuSeconds(pid: getpid())
        let start = ContinuousClock.now
        let change = try await
            (peer == .caravan
            ? client.put("/v1/node/register", body: Self.registerBody(Workload.node(1, plugin: "bench")))
            : client.put("/bump", body: [])).get()
        precondition(change.status == 200)
        var last = start
        var ok = 0
        for response in responses {
            let outcome = try await response.get()
            if outcome.status == 200 { ok += 1 }
            last = max(last, outcome.finished)
        }
        let cpuDuringWake = try Self.cpuSeconds(pid: server.processIdentifier) - cpuBefore
        let clientCPU = try Self.cpuSeconds(pid: getpid()) - clientCPUBefore
        let answerBytes = try await client.get(readPath).get().body.utf8.count
        let elapsed = last - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("parked-queries (\(peer.rawValue)): \(queries) blocking queries on GET \(waitPath), one write wakes them all")
        print("  responses 200: \(ok)/\(queries), \(answerBytes) bytes of body each")
        print(
            "  write → last response: \(format(seconds * 1000)) ms (CPU meanwhile: server \(format(cpuDuringWake * 1000)) ms, load generator \(format(clientCPU * 1000)) ms)"
        )
        print("  server memory per parked query: \(format(Double((after - before) * 1024) / Double(queries))) bytes (RSS \(before) → \(after) KiB)")
        try await client.shutdown()
    }

    /// Opens `queries` connections that send nothing, then one request: the server accepts in
    /// order, so once that request is answered every idle connection has been accepted.
    func measureIdleConnections(_ client: LoopbackHTTPClient, server: BenchmarkServer, before: Int) async throws {
        for _ in 0..<queries { try await client.connectIdle().get() }
        let probe = try await client.get(peer == .caravan ? "/v1/status/leader" : "/parked").get()
        precondition(probe.status == 200)
        let after = try Self.residentKilobytes(pid: server.processIdentifier)
        print("parked-queries --idle (\(peer.rawValue)): \(queries) connections that sent no request")
        print(
            "  server memory per idle connection: \(format(Double((after - before) * 1024) / Double(queries))) bytes (RSS \(before) → \(after) KiB)")
        try await client.shutdown()
    }

    func parked(_ client: LoopbackHTTPClient) async throws -> Int {
        let body = try await client.get(peer == .caravan ? "/v1/agent/self" : "/parked").get().body
        guard peer == .caravan else { return Int(body) ?? -1 }
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let stats = (object?["stats"] as? [String: Any])?["caravan"] as? [String: Any]
        return Int(stats?["blocking_queries_parked"] as? String ?? "") ?? -1
    }

    static func registerBody(_ node: Node) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("Node", NodeWithSecret(node: node))
        json.endObject()
        return json.bytes
    }

    /// User plus system CPU time the process has used (from /proc; clock ticks of 10 ms).
    static func cpuSeconds(pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        return (Double(fields[11])! + Double(fields[12])!) / 100
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
