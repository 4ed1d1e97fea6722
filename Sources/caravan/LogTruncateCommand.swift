import ArgumentParser
import CaravanDurability
import CaravanRaft
import CaravanStorage
import Foundation

/// `caravan operator log truncate-after N --data-dir DIR`: drops every log entry after index N.
///
/// The way out of a log that holds an entry no server can apply (every state machine halts at
/// it, again after every restart): stop every server, run this on each with the index just
/// before that entry, and start them again. Entries after N are gone on every server, so no
/// leader can bring them back; the cluster carries on from N. Refused while an agent holds the
/// directory, and for an N that a snapshot or the log's head has already passed.
struct LogTruncateAfter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "truncate-after",
        abstract: "Drop every log entry after an index (on every server, all stopped), to get past an entry no server can apply.")

    @Argument(help: "The last index to keep.")
    var index: UInt64

    @Option(name: .customLong("data-dir"), help: "The data directory (its agent must be stopped).")
    var dataDirectory: String

    func run() throws {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/wal") else {
            print("Error: \(dataDirectory) is not a data directory (no wal/ in it)")
            throw ExitCode.failure
        }
        let directory = try DataDirectory(path: dataDirectory)
        let lock: DataDirectory.Lock
        do {
            lock = try directory.lock()
        } catch {
            print("Error: \(error); stop the agent first")
            throw ExitCode.failure
        }
        defer { withExtendedLifetime(lock) {} }
        if let newest = try directory.snapshots.fileNames().compactMap(SnapshotFiles.parseName).map(\.index).max(), newest > index {
            print("Error: the snapshot at index \(newest) holds state past \(index); keep at least \(newest)")
            throw ExitCode.failure
        }
        var log = try WriteAheadLog(directory: directory.wal)
        defer { log.close() }
        let last = log.lastIndex
        guard index < last else {
            print("Nothing to drop: the log ends at \(last)")
            return
        }
        guard index >= log.firstIndex - 1 else {
            print("Error: the log starts at \(log.firstIndex); entries before it are in the snapshot")
            throw ExitCode.failure
        }
        for entry in try log.entries(from: index + 1, to: min(last, index + 20)) {
            let description = entry.kind == .command ? String(describing: EntryDescription(entry.data)) : "raft \(entry.kind)"
            print("dropping \(entry.index) term=\(entry.term) \(description)")
        }
        if last > index + 20 { print("dropping \(last - index - 20) more, through \(last)") }
        try log.truncate(after: index)
        print("The log now ends at \(index) (it ended at \(last)). Do the same on every server before starting any.")
    }
}
