import CaravanCore
import CaravanModel
import CaravanRaft
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
        let refusals = await node.raftPortRefusals
        let cluster = node.clusterStatus
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
                "ACL": .object(["Enabled": .bool(aclEnabled)]),
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
                    "state": .string(Self.raftStateName(cluster.role)), "applied_index": .string(String(applied)),
                    "commit_index": .string(String(cluster.commitIndex)), "last_log_index": .string(String(last)),
                    "term": .string(String(cluster.term)),
                    "num_peers": .string(String(max(0, cluster.configuration.voters.count - 1))),
                    "last_contact": .string(cluster.isLeader ? "0" : "\(cluster.lastContactMilliseconds)ms"),
                ]),
                "caravan": .object([
                    "blocking_queries_parked": .string(String(store.watches.parkedCount)),
                    "durable": .string(String(node.isDurable)),
                    "log_appends": .string(String(writes.batches)),
                    "log_entries": .string(String(writes.entries)),
                    "snapshots_taken": .string(String(writes.snapshots)),
                    "snapshots_installed": .string(String(writes.snapshotsInstalled)),
                    "last_snapshot_index": .string(String(writes.lastSnapshotIndex)),
                    "last_snapshot_error": .string(writes.lastSnapshotError ?? ""),
                    "append_messages_sent": .string(String(cluster.appendMessages)),
                    "entries_sent_in_appends": .string(String(cluster.appendedEntries)),
                    "raft_port_refusals": .string(String(refusals)),
                ]),
            ]),
        ])
        return Responses.json(body, index: applied)
    }

    /// How hashicorp/raft names a server's state in `stats.raft.state`.
    static func raftStateName(_ role: Role) -> String {
        switch role {
        case .leader: "Leader"
        case .candidate, .preCandidate: "Candidate"
        case .follower: "Follower"
        }
    }
}
