import ArgumentParser

/// `caravan-bench`: the benchmarks behind docs/performance.md. Build in release mode.
@main
struct CaravanBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caravan-bench",
        abstract: "Caravan's benchmarks (run a release build).",
        subcommands: [
            FSMApplyBenchmark.self, ListEncodeBenchmark.self, ParkedQueriesBenchmark.self, StorageCodecBenchmark.self, SnapshotBenchmark.self,
            ReplayBenchmark.self, AllBenchmarks.self,
            BareLongPollServer.self,
        ]
    )
}

/// Runs every benchmark with its defaults.
struct AllBenchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "all", abstract: "Run every benchmark with its defaults.")

    func run() async throws {
        try FSMApplyBenchmark.parse([]).run()
        try ListEncodeBenchmark.parse([]).run()
        try StorageCodecBenchmark.parse([]).run()
        try SnapshotBenchmark.parse([]).run()
        try ReplayBenchmark.parse([]).run()
        try await ParkedQueriesBenchmark.parse([]).run()
        try await ParkedQueriesBenchmark.parse(["--peer", "bare"]).run()
    }
}
