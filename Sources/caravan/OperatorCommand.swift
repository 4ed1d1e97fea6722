import ArgumentParser
import CaravanModel
import CaravanRaft
import CaravanState
import CaravanStorage
import Foundation

/// `caravan operator`: tools that read a server's files.
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "Inspect a server's log and snapshots; manage the raft peers.",
        subcommands: [LogCommand.self, SnapshotCommand.self, RaftOperatorCommand.self]
    )

    struct LogCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "log", subcommands: [LogInspect.self, LogTruncateAfter.self])
    }

    struct SnapshotCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "snapshot", subcommands: [SnapshotInspect.self])
    }
}

/// `caravan operator log inspect`: prints log entries one per line.
struct LogInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Print log entries one per line.")

    @Option(name: .customLong("data-dir"), help: "The data directory.")
    var dataDirectory: String

    @Option(name: .customLong("from"), help: "First index to print (default: the first retained).")
    var from: UInt64?

    @Option(name: .customLong("to"), help: "Last index to print (default: the last).")
    var to: UInt64?

    func run() throws {
        var options = WALOptions()
        options.readOnly = true
        let log = try WriteAheadLog(directory: DiskDirectory(path: dataDirectory + "/wal"), options: options)
        let first = max(from ?? log.firstIndex, log.firstIndex)
        let last = min(to ?? log.lastIndex, log.lastIndex)
        print("log: entries \(log.firstIndex)...\(log.lastIndex) in \(log.segmentNames.count) segment(s)")
        var next = first
        while next <= last {
            let end = min(last, next + 1023)
            for entry in try log.entries(from: next, to: end) {
                let description = entry.kind == .command ? String(describing: EntryDescription(entry.data)) : "raft \(entry.kind)"
                print("\(entry.index) term=\(entry.term) bytes=\(entry.data.count) \(description)")
            }
            next = end + 1
        }
    }
}

/// `caravan operator snapshot inspect FILE`: prints what a snapshot file holds.
struct SnapshotInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Print a snapshot file's index, term, size and checksums.")

    @Argument(help: "A snapshot file (DATA_DIR/snapshots/*.snap).")
    var file: String

    func run() throws {
        let url = URL(fileURLWithPath: file)
        let files = SnapshotFiles(directory: try DiskDirectory(path: url.deletingLastPathComponent().path))
        let snapshot = try files.load(url.lastPathComponent)
        let state = try StateVersion(decoding: snapshot.state)
        let ratio = Double(snapshot.state.count + 32) / Double(max(1, snapshot.fileSize))
        print("index:            \(snapshot.index)")
        print("term:             \(snapshot.term)")
        print("size:             \(snapshot.fileSize) bytes (\(snapshot.state.count + 32) uncompressed, ratio \(String(format: "%.2f", ratio)))")
        print("content checksum: xxh32 \(String(snapshot.contentChecksum, radix: 16)) (verified)")
        // The state's hash in this build's format, so that it compares with `caravan replay`'s
        // even for a snapshot written in an older format.
        print("state hash:       \(state.stateHash)")
        print("objects:          \(state.nodeCount) nodes, \(state.jobs(namespace: nil).count) jobs, \(state.pluginCount) plugins")
    }
}

/// One line describing a log entry's command.
struct EntryDescription: CustomStringConvertible {
    let description: String

    init(_ data: [UInt8]) {
        let command: Command
        do {
            command = try Command(decoding: data)
        } catch {
            description = "undecodable: \(error)"
            return
        }
        switch command {
        case .noop:
            description = "noop"
        case .jobRegister(let registration):
            let job = registration.job
            description = "job-register namespace=\(job.namespace) id=\(job.id) type=\(job.type) groups=\(job.taskGroups.count) stop=\(job.stop)"
        case .jobDeregister(let deregistration):
            description = "job-deregister namespace=\(deregistration.namespace) id=\(deregistration.jobID) purge=\(deregistration.purge)"
        case .nodeRegister(let registration):
            let node = registration.node
            let plugins = Set(node.csiControllerPlugins.keys).union(node.csiNodePlugins.keys).sorted()
            description =
                "node-register id=\(node.id) name=\(node.name) dc=\(node.datacenter) status=\(node.status) plugins=\(plugins.joined(separator: ","))"
        case .nodeStatusUpdate(let update):
            description = "node-status id=\(update.nodeID) status=\(update.status)"
        case .nodeDeregister(let deregistration):
            description = "node-deregister id=\(deregistration.nodeID)"
        case .aclBootstrap(let token):
            description = "acl-bootstrap accessor=\(token.accessorID)"
        case .aclPolicyUpsert(let policies):
            description = "acl-policy-upsert names=\(policies.map(\.name).joined(separator: ","))"
        case .aclPolicyDelete(let names):
            description = "acl-policy-delete names=\(names.joined(separator: ","))"
        case .aclTokenUpsert(let upsert):
            let tokens = upsert.tokens.map { "\($0.accessorID):\($0.type)" }.joined(separator: ",")
            description = "acl-token-\(upsert.isUpdate ? "update" : "create") tokens=\(tokens)"
        case .aclTokenDelete(let accessorIDs):
            description = "acl-token-delete accessors=\(accessorIDs.joined(separator: ","))"
        case .namespaceUpsert(let namespaces):
            description = "namespace-upsert names=\(namespaces.map(\.name).joined(separator: ","))"
        case .namespaceDelete(let names):
            description = "namespace-delete names=\(names.joined(separator: ","))"
        case .volumeRegister(let registration):
            description = "volume-register volumes=\(registration.volumes.map { "\($0.namespace)/\($0.id)" }.joined(separator: ","))"
        case .volumeDeregister(let deregistration):
            description =
                "volume-deregister namespace=\(deregistration.namespace) ids=\(deregistration.volumeIDs.joined(separator: ",")) force=\(deregistration.force)"
        case .volumeClaim(let update):
            let claim = update.claim
            description =
                "volume-claim namespace=\(update.namespace) id=\(update.volumeID) alloc=\(claim.allocationID) node=\(claim.nodeID) mode=\(claim.mode) state=\(claim.state)"
        case .volumeDetach(let detach):
            description = "volume-detach namespace=\(detach.namespace) id=\(detach.volumeID) node=\(detach.nodeID)"
        }
    }
}
