import ArgumentParser

/// `caravan-bench`: the benchmarks behind docs/performance.md. Build in release mode.
@main
struct CaravanBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caravan-bench",
        abstract: "Caravan's benchmarks (run a release build).",
        subcommands: [
            FSMApplyBenchmark.self, ListEncodeBenchmark.self, ParkedQueriesBenchmark.self, StorageCodecBenchmark.self, SnapshotBenchmark.self,
            ReplayBenchmark.self, VolumeClaimBenchmark.self, VolumeListBenchmark.self, EventStreamBenchmark.self, AllBenchmarks.self,
            BareLongPollServer.self,
        ]
    )
}

/// Runs every benchmark with its defaults, or with `--quick` with sizes that take seconds on a
/// debug build: the mode `make test` runs (BenchmarkQuickModeTests), so that a benchmark that
/// breaks fails the suite. Quick figures mean nothing.
struct AllBenchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all", abstract: "Run every benchmark with its defaults (--quick: small sizes, to check they still run).")

    @Flag(help: "Small sizes: seconds in all, even on a debug build.") var quick = false
    @Option(help: "Port for the parked-queries server.") var port = 46460
    @Option(help: "Port for the volume-list server.") var listPort = 46461

    func run() async throws {
        let small = quick
        try FSMApplyBenchmark.parse(small ? ["--nodes", "500", "--rounds", "1"] : []).run()
        try ListEncodeBenchmark.parse(small ? ["--plugins", "200", "--iterations", "5"] : []).run()
        try StorageCodecBenchmark.parse(small ? ["--entries", "500", "--repetitions", "1"] : []).run()
        try SnapshotBenchmark.parse(small ? ["--nodes", "500", "--jobs", "50", "--plugins", "5", "--repetitions", "1"] : []).run()
        try ReplayBenchmark.parse(small ? ["--nodes", "300", "--rounds", "1", "--status-updates", "500"] : []).run()
        let parked = small ? ["--queries", "50", "--port", String(port)] : ["--port", String(port)]
        try await ParkedQueriesBenchmark.parse(parked).run()
        try await ParkedQueriesBenchmark.parse(parked + ["--peer", "bare"]).run()
        try await ParkedQueriesBenchmark.parse(parked + ["--target", "volume"]).run()
        try VolumeClaimBenchmark.parse(small ? ["--nodes", "50", "--volumes", "500", "--rounds", "1"] : []).run()
        let list = ["--port", String(listPort)]
        try await VolumeListBenchmark.parse(small ? ["--volumes", "2000", "--pages", "3"] + list : list).run()
        // Beside etcd when it is installed; without it, the Caravan half alone.
        try await EventStreamBenchmark.parse((small ? ["--quick"] : []) + ["--port", String(port)]).run()
    }
}
