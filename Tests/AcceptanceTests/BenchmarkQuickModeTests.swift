import Foundation
import Testing

/// The benchmarks behind docs/performance.md, in their quick modes (`caravan-bench all --quick`;
/// the wrk scripts with `CARAVAN_BENCH_QUICK=1`: the debug binary, one second per measurement):
/// a benchmark nobody runs breaks silently. Each must finish, print every measurement it
/// promises, and measure something.
@Suite(.serialized)
struct BenchmarkQuickModeTests {
    @Test("caravan-bench all --quick runs every benchmark")
    func caravanBench() async throws {
        let binary = AgentProcess.binary.deletingLastPathComponent().appendingPathComponent("caravan-bench")
        let ports = [ClusterProcesses.freePort(), ClusterProcesses.freePort()].map(String.init)
        let run = try await AgentProcess.run(["all", "--quick", "--port", ports[0], "--list-port", ports[1]], binary: binary)
        #expect(run.status == 0, "\(run.output)")
        for benchmark in [
            "fsm-apply", "encode-list", "snapshot", "replay", "parked-queries (caravan)", "parked-queries (bare)", "GET /v1/volume/csi/",
            "volume-claims", "volume-list", "filter 1 in 100 passes",
        ] {
            #expect(run.output.contains(benchmark), "\(benchmark) ran")
        }
        #expect(run.output.components(separatedBy: "responses 200: 50/50").count == 4, "the three parked-query runs woke every query")
        // The event stream, beside etcd's watch where etcd is installed (CI has none).
        let etcdRan = run.output.contains("event-stream (etcd ")
        #expect(run.output.contains("event-stream (caravan)"), "event-stream ran")
        #expect(etcdRan || run.output.contains("event-stream (etcd): etcd not found: skipped"), "the etcd half ran or said why not")
        #expect(
            run.output.components(separatedBy: "every subscriber received every event, once and in order: 20/20").count == (etcdRan ? 3 : 2),
            "every subscriber received every event")
    }

    @Test(
        "every wrk benchmark runs in its quick mode and prints each of its measurements",
        arguments: [("bench-durable-writes.sh", 2), ("bench-cluster-writes.sh", 4), ("bench-acl-reads.sh", 4)])
    func quickMode(script: String, measurements: Int) async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let run = try await AgentProcess.run(
            [root.appendingPathComponent("scripts/\(script)").path], binary: URL(fileURLWithPath: "/bin/bash"),
            environment: ["CARAVAN_BENCH_QUICK": "1", "CARAVAN_BINARY": AgentProcess.binary.path])
        let text = run.output
        #expect(run.status == 0, "\(text)")
        let rates = text.split(separator: "\n").filter { $0.hasPrefix("Requests/sec:") }.compactMap {
            Double($0.dropFirst("Requests/sec:".count).trimmingCharacters(in: .whitespaces))
        }
        #expect(rates.count == measurements, "\(text)")
        #expect(rates.allSatisfy { $0 > 0 }, "\(text)")
        let failedWrites = text.split(separator: "\n").filter { $0.hasPrefix("non-2xx or socket errors:") && !$0.hasSuffix(" 0") }
        #expect(failedWrites.isEmpty, "\(text)")
    }
}
