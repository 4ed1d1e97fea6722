import CaravanModel
import CaravanState
import Hummingbird

extension CaravanAPI {
    /// The version this build reports.
    public static let version = "0.1.0"

    /// `GET /v1/agent/self`: the agent's configuration, membership and raft statistics.
    func agentSelf() async -> Response {
        let applied = await node.appliedIndex
        let last = await node.lastLogIndex
        let writes = await node.statistics
        let host = configuration.leaderAddress.split(separator: ":").first.map(String.init) ?? "127.0.0.1"
        let port = configuration.leaderAddress.split(separator: ":").last.flatMap { Int64($0) } ?? 4647
        let body: JSONValue = .object([
            "config": .object([
                "Region": .string(configuration.region),
                "Datacenter": .string(configuration.datacenter),
                "NodeName": .string(configuration.nodeName),
                "Version": .object(["Version": .string(Self.version), "VersionPrerelease": .string(""), "VersionMetadata": .string("")]),
                "Server": .object(["Enabled": .bool(true), "BootstrapExpect": .int(1)]),
                "Client": .object(["Enabled": .bool(false)]),
                "ACL": .object(["Enabled": .bool(false)]),
            ]),
            "member": .object([
                "Name": .string("\(configuration.nodeName).\(configuration.region)"),
                "Addr": .string(host),
                "Port": .int(port),
                "Status": .string("alive"),
                "Tags": .object([
                    "role": .string("nomad"), "region": .string(configuration.region), "dc": .string(configuration.datacenter),
                    "build": .string(Self.version), "bootstrap": .string("1"),
                ]),
            ]),
            "stats": .object([
                "raft": .object([
                    "state": .string("Leader"), "applied_index": .string(String(applied)),
                    "commit_index": .string(String(last)), "last_log_index": .string(String(last)),
                    "num_peers": .string("0"),
                ]),
                "caravan": .object([
                    "blocking_queries_parked": .string(String(store.watches.parkedCount)),
                    "durable": .string(String(node.isDurable)),
                    "log_appends": .string(String(writes.batches)),
                    "log_entries": .string(String(writes.entries)),
                    "snapshots_taken": .string(String(writes.snapshots)),
                    "last_snapshot_index": .string(String(writes.lastSnapshotIndex)),
                    "last_snapshot_error": .string(writes.lastSnapshotError ?? ""),
                ]),
            ]),
        ])
        return Responses.json(body, index: applied)
    }
}
