import ArgumentParser
import CaravanModel
import CaravanServer
import Foundation
import NIOCore
import NIOPosix

/// Caravan's event stream beside etcd 3.4's watch, in the same run on the same machine: N
/// subscribers each receive every event of W writes. Per server: the time from the last write's
/// acknowledgement until the last subscriber has the last event, the time from the first write
/// to the last delivery (delivery rate = subscribers × events / that time), and the server's
/// memory per idle subscriber. Every subscriber's events are checked: all of them, once each, in
/// the order of the acknowledged writes' indexes.
///
/// Caravan: `caravan agent -dev`, `GET /v1/event/stream?topic=Node`; the writes are
/// `PUT /v1/node/:id/status` on nodes without CSI plugins (one Node event each). etcd: a member
/// with its data directory on tmpfs (Caravan's `-dev` log is in memory), its JSON gateway's
/// `POST /v3/watch` on a key prefix; the writes are `POST /v3/kv/put` of values as long as a
/// Caravan event line. Both over HTTP/1.1 from this process.
struct EventStreamBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event-stream", abstract: "1,000 event-stream subscribers receiving 10,000 writes, beside etcd's watch.")

    enum Servers: String, ExpressibleByArgument {
        case both, caravan, etcd
    }

    @Option(help: "Subscribers per server.") var subscribers = 1_000
    @Option(help: "Writes, each one event for every subscriber.") var writes = 10_000
    @Option(help: "Writes in flight (each on its own keep-alive connection; twice as many nodes or keys are written).")
    var inFlight = 32
    @Option(help: "Port for caravan agent -dev.") var port = 46462
    @Option(help: "Port for etcd's clients (0: a free port).") var etcdPort = 0
    @Option(help: "Which servers to measure: both, caravan or etcd.") var servers = Servers.both
    @Option(help: "The etcd binary (default: etcd on PATH).") var etcd: String?
    @Option(help: "Bytes of each etcd value (default: the mean Caravan event line of the same run, else 1,024).")
    var valueBytes: Int?
    @Option(help: "Event-loop threads of the subscribers.") var clientThreads = 2
    @Option(help: "Seconds to wait for the last deliveries after the last write.") var timeout = 300
    @Flag(help: "Small sizes (20 subscribers, 200 writes, 8 in flight): checks that the benchmark runs.") var quick = false

    /// The goals: at least twice etcd's delivery rate, at most 16 KB per idle subscriber.
    static let rateGoal = 2.0
    static let memoryGoal = 16_000.0

    func run() async throws {
        FileDescriptorLimit.raiseToHardLimit()
        let shape = Shape(
            subscribers: quick ? 20 : subscribers, writes: quick ? 200 : writes, inFlight: quick ? 8 : inFlight,
            clientThreads: clientThreads, timeout: .seconds(timeout))
        var caravan: Measurement?
        var etcdResult: Measurement?
        if servers != .etcd {
            caravan = try await measureCaravan(shape)
        }
        if servers != .caravan {
            if let binary = etcd ?? Self.onPath("etcd") {
                let bytes = valueBytes ?? caravan.map { max(1, Int(($0.meanLineBytes - 1).rounded())) } ?? 1_024
                etcdResult = try await measureEtcd(shape, binary: binary, valueBytes: bytes)
            } else {
                print("event-stream (etcd): etcd not found: skipped (apt-get install etcd-server, or --etcd PATH)")
            }
        }
        if let caravan {
            let memory = caravan.bytesPerIdleSubscriber
            var line = "event-stream: Caravan's memory per idle subscriber \(format(memory)) bytes (goal ≤ 16 KB: \(memory <= Self.memoryGoal ? "met" : "not met"))"
            if let etcdResult {
                let ratio = caravan.deliveryRate / etcdResult.deliveryRate
                line += "; delivery rate \(format(ratio))× etcd's (goal ≥ 2×: \(ratio >= Self.rateGoal ? "met" : "not met"))"
                line += "; etcd's memory per idle watcher \(format(etcdResult.bytesPerIdleSubscriber)) bytes"
            }
            print(line)
        }
        let failed = [caravan, etcdResult].compactMap { $0 }.filter { $0.complete < $0.subscribers }
        if !failed.isEmpty {
            throw BenchmarkFailure("event-stream: subscribers missed events on \(failed.map(\.server).joined(separator: " and "))")
        }
    }

    struct Shape {
        var subscribers: Int
        var writes: Int
        var inFlight: Int
        var clientThreads: Int
        var timeout: Duration
        /// Nodes (Caravan) or keys (etcd) written: each owned by one writer, so that its writes
        /// apply in the order they were sent and alternate its status.
        var objects: Int { inFlight * 2 }
    }

    // MARK: Caravan

    func measureCaravan(_ shape: Shape) async throws -> Measurement {
        let probe = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        let server = try await BenchmarkServer(
            program: "caravan", arguments: ["agent", "-dev", "-http-addr", "127.0.0.1:\(port)", "-log-level", "warning"] + BenchmarkServer.unlimitedClient, client: probe,
            readyPath: "/v1/status/leader")
        defer { server.stop() }
        try await probe.shutdown()

        let base = try await Self.setUp(
            port: port, what: "node registration",
            requests: (0..<shape.objects).map {
                Self.request("PUT", "/v1/node/register", body: ParkedQueriesBenchmark.registerBody(Workload.plainNode($0)))
            },
            index: Self.caravanIndex)

        let requests = (0..<shape.writes).map { write in
            let node = write % shape.objects
            let status = (write / shape.objects) % 2 == 0 ? "initializing" : "ready"
            return Self.request("PUT", "/v1/node/node-\(node)/status", body: Array(#"{"Status":"\#(status)"}"#.utf8))
        }
        // From the index after the registrations: an idle subscriber has nothing to catch up on.
        let path = "/v1/event/stream?topic=Node&index=\(base + 1)"
        let subscribe = Self.request("GET", path, body: nil)
        print(
            "event-stream (caravan): \(shape.subscribers) subscribers on GET \(path), \(shape.writes) writes "
                + "(PUT /v1/node/:id/status on \(shape.objects) nodes without plugins, \(shape.inFlight) in flight)")
        let result = try await measure(
            server: "caravan", pid: server.processIdentifier, port: port, shape: shape, subscribe: subscribe,
            format: .caravanEvents(after: base), writeRequests: requests, acknowledgedIndex: Self.caravanIndex)
        print("  event line: \(format(result.meanLineBytes)) bytes (newline included), \(format(result.eventsPerLine)) events per line")
        result.report()
        return result
    }

    /// Sends the writes that make the objects the measured writes change, one after another on
    /// one connection; the highest index (or revision) they reached.
    static func setUp(port: Int, what: String, requests: [[UInt8]], index: ([UInt8]) -> UInt64?) async throws -> UInt64 {
        let setup = try await KeepAliveConnection.open(group: MultiThreadedEventLoopGroup.singleton, host: "127.0.0.1", port: port)
        var base: UInt64 = 0
        for request in requests {
            guard let reply = try? await setup.send(request), reply.status == 200, let reached = index(reply.body) else {
                await setup.close()
                throw BenchmarkFailure("\(what) failed on 127.0.0.1:\(port)")
            }
            base = max(base, reached)
        }
        await setup.close()
        return base
    }

    /// The `Index` of a Caravan write reply.
    static func caravanIndex(_ body: [UInt8]) -> UInt64? { number(after: Array(#""Index":"#.utf8), in: body) }

    // MARK: etcd

    func measureEtcd(_ shape: Shape, binary: String, valueBytes: Int) async throws -> Measurement {
        let clientPort = etcdPort == 0 ? try Self.freePort() : etcdPort
        let peerPort = try Self.freePort()
        let shm = URL(fileURLWithPath: "/dev/shm")
        let parent = FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
        let directory = parent.appendingPathComponent("caravan-bench-etcd-\(getpid())-\(clientPort)")
        try? FileManager.default.removeItem(at: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let client = "http://127.0.0.1:\(clientPort)"
        let peer = "http://127.0.0.1:\(peerPort)"
        let probe = LoopbackHTTPClient(host: "127.0.0.1", port: clientPort)
        let server = try await BenchmarkServer(
            executable: URL(fileURLWithPath: binary),
            arguments: [
                "--name", "bench", "--data-dir", directory.path, "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "bench=\(peer)", "--log-level", "error",
            ],
            client: probe, readyPath: "/health", discardOutput: true)
        defer { server.stop() }
        try await probe.shutdown()
        let version = Self.version(of: binary)

        func put(_ key: Int, _ write: Int) -> [UInt8] {
            var value = Array("write \(write) of key \(key) ".utf8)
            value += [UInt8](repeating: UInt8(ascii: "x"), count: max(0, valueBytes - value.count))
            let body = #"{"key":"\#(Self.base64("/bench/key-\(key)"))","value":"\#(Data(value.prefix(valueBytes)).base64EncodedString())"}"#
            return Self.request("POST", "/v3/kv/put", body: Array(body.utf8))
        }
        let base = try await Self.setUp(
            port: clientPort, what: "etcd put", requests: (0..<shape.objects).map { put($0, -1) }, index: Self.etcdRevision)

        let requests = (0..<shape.writes).map { put($0 % shape.objects, $0) }
        let watch = #"{"create_request":{"key":"\#(Self.base64("/bench/"))","range_end":"\#(Self.base64("/bench0"))"}}"#
        let subscribe = Self.request("POST", "/v3/watch", body: Array(watch.utf8))
        print(
            "event-stream (etcd \(version)): \(shape.subscribers) watchers on POST /v3/watch (key prefix /bench/), \(shape.writes) writes "
                + "(POST /v3/kv/put of \(valueBytes)-byte values on \(shape.objects) keys, \(shape.inFlight) in flight; data directory on \(parent.path))")
        let result = try await measure(
            server: "etcd", pid: server.processIdentifier, port: clientPort, shape: shape, subscribe: subscribe,
            format: .etcdWatch(after: base), writeRequests: requests, acknowledgedIndex: Self.etcdRevision)
        print(
            "  watch messages: \(format(result.meanLineBytes / max(result.eventsPerLine, 1))) bytes per event (newline included; "
                + "the value base64-encoded), \(format(result.eventsPerLine)) events per message")
        result.report()
        return result
    }

    /// The revision of an etcd put's reply header.
    static func etcdRevision(_ body: [UInt8]) -> UInt64? { number(after: Array(#""revision":""#.utf8), in: body) }

    // MARK: The measurement

    struct Measurement {
        var server: String
        var subscribers: Int
        var writes: Int
        /// Subscribers that received every event once, in order.
        var complete: Int
        var problems: [String]
        var lastIndex: UInt64
        var writeSeconds: Double
        var lastAckToLastDelivery: Double
        var firstWriteToLastDelivery: Double
        var serverCPU: Double
        var clientCPU: Double
        var rssBefore: Int
        var rssAfter: Int
        var meanLineBytes: Double
        var eventsPerLine: Double

        var deliveryRate: Double { Double(subscribers) * Double(writes) / firstWriteToLastDelivery }
        var bytesPerIdleSubscriber: Double { Double((rssAfter - rssBefore) * 1024) / Double(subscribers) }

        func report() {
            print(
                "  every subscriber received every event, once and in order: \(complete)/\(subscribers) "
                    + "(\(writes) events each, last index \(lastIndex))")
            for problem in problems.prefix(5) { print("    \(problem)") }
            if problems.count > 5 { print("    … and \(problems.count - 5) more") }
            print("  writes acknowledged: \(writes) in \(format(writeSeconds)) s (\(format(Double(writes) / writeSeconds)) writes/s)")
            let early = lastAckToLastDelivery < 0 ? " (the last event was in before the last acknowledgement)" : ""
            print("  last write acknowledged → last subscriber has the last event: \(format(lastAckToLastDelivery * 1000)) ms\(early)")
            print(
                "  first write → last delivery: \(format(firstWriteToLastDelivery)) s; "
                    + "delivery rate \(format(deliveryRate)) events/s (\(subscribers) × \(writes) events)")
            print("  CPU meanwhile: server \(format(serverCPU)) s, load generator \(format(clientCPU)) s")
            print(
                "  server memory per idle subscriber: \(format(bytesPerIdleSubscriber)) bytes (RSS \(rssBefore) → \(rssAfter) KiB)")
        }
    }

    func measure(
        server: String, pid: Int32, port: Int, shape: Shape, subscribe: [UInt8], format: StreamFormat, writeRequests: [[UInt8]],
        acknowledgedIndex: @escaping @Sendable ([UInt8]) -> UInt64?
    ) async throws -> Measurement {
        let writerGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let subscriberGroup = MultiThreadedEventLoopGroup(numberOfThreads: shape.clientThreads)
        var writers: [KeepAliveConnection] = []
        for _ in 0..<shape.inFlight { writers.append(try await KeepAliveConnection.open(group: writerGroup, host: "127.0.0.1", port: port)) }

        // Memory: before any subscriber, and once every one has its first line.
        let rssBefore = try ParkedQueriesBenchmark.residentKilobytes(pid: pid)
        let client = StreamingHTTPClient(group: subscriberGroup, host: "127.0.0.1", port: port)
        var subscriptions: [StreamingHTTPClient.Subscription] = []
        for batchStart in stride(from: 0, to: shape.subscribers, by: 100) {
            let batch = try await withThrowingTaskGroup(of: StreamingHTTPClient.Subscription.self) { group in
                for _ in batchStart..<min(batchStart + 100, shape.subscribers) {
                    group.addTask { try await client.subscribe(request: subscribe, format: format, expected: shape.writes) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for subscription in batch {
                guard (try? await subscription.connected.get()) != nil else {
                    subscription.channel.close(promise: nil)
                    let tally = try await subscription.ended.get()
                    throw BenchmarkFailure("\(server): a subscriber could not subscribe: \(tally.ended ?? "no answer")")
                }
            }
            subscriptions += batch
        }
        let rssAfter = try ParkedQueriesBenchmark.residentKilobytes(pid: pid)

        // The writes: writer w sends writes w, w + inFlight, … one after another.
        let serverCPUBefore = try ParkedQueriesBenchmark.cpuSeconds(pid: pid)
        let clientCPUBefore = try ParkedQueriesBenchmark.cpuSeconds(pid: getpid())
        let start = ContinuousClock.now
        let acknowledged = try await withThrowingTaskGroup(of: [(UInt64, ContinuousClock.Instant)].self) { group in
            for (number, writer) in writers.enumerated() {
                group.addTask {
                    var acks: [(UInt64, ContinuousClock.Instant)] = []
                    for write in stride(from: number, to: writeRequests.count, by: shape.inFlight) {
                        let reply = try await writer.send(writeRequests[write])
                        guard reply.status == 200, let index = acknowledgedIndex(reply.body) else {
                            throw BenchmarkFailure("\(server): write \(write) failed: \(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
                        }
                        acks.append((index, reply.received))
                    }
                    return acks
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let lastAck = acknowledged.map(\.1).max() ?? start

        // Wait for every subscriber's last event, or close them all at the deadline.
        let deadline = Task {
            try await Task.sleep(for: shape.timeout)
            for subscription in subscriptions { subscription.channel.close(promise: nil) }
        }
        for subscription in subscriptions { try? await subscription.reached.get() }
        deadline.cancel()
        let serverCPU = try ParkedQueriesBenchmark.cpuSeconds(pid: pid) - serverCPUBefore
        let clientCPU = try ParkedQueriesBenchmark.cpuSeconds(pid: getpid()) - clientCPUBefore
        var tallies: [StreamTally] = []
        for subscription in subscriptions {
            subscription.channel.close(promise: nil)
            tallies.append(try await subscription.ended.get())
        }
        for writer in writers { await writer.close() }
        try await subscriberGroup.shutdownGracefully()
        try await writerGroup.shutdownGracefully()

        // Every subscriber must have every acknowledged index, once, in ascending order.
        let indexes = acknowledged.map(\.0).sorted()
        let expectedHash = indexes.reduce(StreamTally.emptyHash, StreamTally.fold)
        let lastIndex = indexes.last ?? 0
        var problems: [String] = []
        if Set(indexes).count != indexes.count { problems.append("two writes were acknowledged with the same index") }
        var complete = 0
        for (number, tally) in tallies.enumerated() {
            var wrong: [String] = []
            if tally.status != 200 { wrong.append("HTTP \(tally.status)") }
            if let ended = tally.ended { wrong.append(ended) }
            if tally.events != shape.writes { wrong.append("\(tally.events) events") }
            if !tally.ordered { wrong.append("an index out of order or repeated") }
            if tally.lastIndex != lastIndex { wrong.append("last index \(tally.lastIndex)") }
            if tally.hash != expectedHash, tally.events == shape.writes { wrong.append("not the acknowledged indexes") }
            if wrong.isEmpty { complete += 1 } else { problems.append("subscriber \(number): " + wrong.joined(separator: ", ")) }
        }
        let lastDelivery = tallies.compactMap(\.finished).max() ?? lastAck
        let lines = tallies.reduce(0) { $0 + $1.eventLines }
        let lineBytes = tallies.reduce(0) { $0 + $1.eventLineBytes }
        let events = tallies.reduce(0) { $0 + $1.events }
        return Measurement(
            server: server, subscribers: shape.subscribers, writes: shape.writes, complete: complete, problems: problems, lastIndex: lastIndex,
            writeSeconds: Self.seconds(lastAck - start), lastAckToLastDelivery: Self.seconds(lastDelivery - lastAck),
            firstWriteToLastDelivery: Self.seconds(lastDelivery - start), serverCPU: serverCPU, clientCPU: clientCPU, rssBefore: rssBefore,
            rssAfter: rssAfter, meanLineBytes: lines == 0 ? 0 : Double(lineBytes) / Double(lines),
            eventsPerLine: lines == 0 ? 0 : Double(events) / Double(lines))
    }

    // MARK: Helpers

    static func request(_ method: String, _ path: String, body: [UInt8]?) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        return Array((head + "\r\n").utf8) + (body ?? [])
    }

    static func number(after prefix: [UInt8], in body: [UInt8]) -> UInt64? {
        guard let range = body.firstRange(of: prefix) else { return nil }
        var value: UInt64 = 0
        var position = range.upperBound
        guard position < body.count, body[position] >= 48, body[position] <= 57 else { return nil }
        while position < body.count, body[position] >= 48, body[position] <= 57 {
            value = value * 10 + UInt64(body[position] - 48)
            position += 1
        }
        return value
    }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The first executable `name` in a directory of `PATH`.
    static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `etcd --version`'s version number.
    static func version(of binary: String) -> String {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--version"]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "?" }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.split(separator: "\n").first?.split(separator: " ").last.map(String.init) ?? "?"
    }

    /// A loopback port nothing listens on now (bound, read, and released).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw BenchmarkFailure("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw BenchmarkFailure("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A benchmark that could not measure what it promises (printed without the usage text that
/// ArgumentParser adds to a `ValidationError`).
struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
