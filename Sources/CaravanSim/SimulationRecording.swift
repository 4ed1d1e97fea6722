import CaravanRaft
import CaravanStorage

/// Writes a run's committed log as a data directory (`DIR/wal`, the agent's format), so that
/// `caravan replay --data-dir DIR` rebuilds the state the run ended with.
public enum SimulationRecording {
    /// Small segments, so that a recording is a few files of tens of kilobytes.
    public static let walOptions = WALOptions(segmentSize: 64 << 10)

    public static func write(_ entries: [LogEntry], toDataDirectory path: String) throws {
        let directory = try DiskDirectory(path: path + "/wal")
        guard try directory.fileNames().isEmpty else { throw SimulationFailure("\(path)/wal is not empty") }
        var log = try WriteAheadLog(directory: directory, options: walOptions)
        defer { log.close() }
        for start in stride(from: 0, to: entries.count, by: 1_024) {
            try log.append(Array(entries[start..<min(entries.count, start + 1_024)]))
        }
    }
}
