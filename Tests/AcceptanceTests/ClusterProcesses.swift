import CaravanTestSupport
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A raft cluster of real `caravan agent` processes on 127.0.0.1, each with its own data
/// directory and fixed HTTP and raft ports, that a test can kill, restart and grow.
final class ClusterProcesses {
    struct Member {
        let name: String
        let httpPort: Int
        let raftPort: Int
        let directory: String
        var raftAddress: String { "127.0.0.1:\(raftPort)" }
    }

    private(set) var members: [Member] = []
    private var processes: [String: AgentProcess] = [:]
    let root: String
    /// Extra `caravan agent` flags every member gets.
    let flags: [String]
    /// The cluster's CA, when the raft port speaks mutual TLS: each member gets a certificate of
    /// its own from it.
    let certificates: TestCertificates?

    init(flags: [String] = [], tls: Bool = false) {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-cluster-\(UUID().uuidString)").path
        self.flags = flags
        certificates = tls ? try? TestCertificates() : nil
    }

    deinit {
        for process in processes.values { process.kill() }
        try? FileManager.default.removeItem(atPath: root)
        certificates?.remove()
    }

    /// Starts `count` servers that bootstrap one cluster together.
    func bootstrap(_ count: Int) throws {
        for _ in 0..<count { members.append(newMember()) }
        let founders = members
        let join = founders.flatMap { ["-join", $0.raftAddress] }
        for member in founders { try start(member, extra: ["-bootstrap-expect", String(count)] + join) }
    }

    /// Starts one more, fresh, server that asks to join through the first member (over mutual TLS
    /// the leader adds it; without, an operator must); returns its name.
    func addServer() throws -> String {
        let member = newMember()
        members.append(member)
        try start(member, extra: ["-join", members[0].raftAddress])
        return member.name
    }

    func kill(_ name: String) {
        processes.removeValue(forKey: name)?.kill()
    }

    /// Restarts a killed server on its data directory.
    func restart(_ name: String) throws {
        let member = members.first { $0.name == name }!
        try start(member, extra: ["-join", members.first { $0.name != name }!.raftAddress])
    }

    func isRunning(_ name: String) -> Bool { processes[name] != nil }

    /// What member `name`'s agent has printed so far (empty once it was killed).
    func output(of name: String) -> String { processes[name]?.output ?? "" }


    var running: [Member] { members.filter { processes[$0.name] != nil } }

    func member(_ name: String) -> Member { members.first { $0.name == name }! }

    /// The member whose raft address is `address`.
    func member(raftAddress address: String) -> Member? { members.first { $0.raftAddress == address } }

    private func newMember() -> Member {
        let name = "s\(members.count + 1)"
        return Member(
            name: name, httpPort: Self.freePort(), raftPort: Self.freePort(), directory: root + "/" + name)
    }

    private func start(_ member: Member, extra: [String]) throws {
        try FileManager.default.createDirectory(atPath: member.directory, withIntermediateDirectories: true)
        let arguments =
            [
                "-server", "-data-dir", member.directory, "-raft-addr", member.raftAddress, "-node-id", member.name,
            ] + extra + flags + (try certificates?.agentFlags(member.name) ?? [])
        processes[member.name] = try AgentProcess(
            arguments: arguments, command: ["agent", "-http-addr", "127.0.0.1:\(member.httpPort)", "-log-level", "info"])
    }

    /// The next port to try: below Linux's ephemeral range (32768–60999), so that no outgoing
    /// connection of this or another test takes it between choosing and binding, starting at a
    /// random point so that concurrent test processes rarely meet.
    private static let nextPort = Mutex(20_000 + Int.random(in: 0..<10_000))

    /// A port below the ephemeral range that nothing listens on now.
    static func freePort() -> Int {
        while true {
            let port = nextPort.withLock { port in
                defer { port = port >= 32_000 ? 20_000 : port + 1 }
                return port
            }
            if canBind(port) { return port }
        }
    }

    private static func canBind(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    // MARK: Asking the cluster

    /// What `member` reports as leader (its raft address), `nil` if it does not answer or knows none.
    func leader(asking member: Member) async -> String? {
        guard let answer = await AgentProcess.request(port: member.httpPort, "GET", "/v1/status/leader", timeout: .seconds(5)),
            answer.status == 200,
            let address = try? JSONSerialization.jsonObject(with: answer.body, options: .fragmentsAllowed) as? String, !address.isEmpty
        else { return nil }
        return address
    }

    /// The leader every running member agrees on, if they do.
    func agreedLeader() async -> Member? {
        var seen: Set<String> = []
        for member in running {
            guard let leader = await leader(asking: member) else { return nil }
            seen.insert(leader)
        }
        guard seen.count == 1, let leader = member(raftAddress: seen.first!), isRunning(leader.name) else { return nil }
        return leader
    }

    /// The raft configuration as `member` reports it: (name, voter) pairs.
    func configuration(asking member: Member, token: String? = nil) async -> [(name: String, voter: Bool)]? {
        guard let answer = await AgentProcess.request(port: member.httpPort, "GET", "/v1/operator/raft/configuration", token: token),
            answer.status == 200, let object = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any],
            let servers = object["Servers"] as? [[String: Any]]
        else { return nil }
        return servers.compactMap { server in
            guard let name = server["ID"] as? String, let voter = server["Voter"] as? Bool else { return nil }
            return (name, voter)
        }
    }

    /// The node IDs `member` lists (through the leader unless `stale`).
    func nodeIDs(asking member: Member, stale: Bool = false) async -> Set<String>? {
        guard let answer = await AgentProcess.request(port: member.httpPort, "GET", "/v1/nodes" + (stale ? "?stale" : "")),
            answer.status == 200, let list = try? JSONSerialization.jsonObject(with: answer.body) as? [[String: Any]]
        else { return nil }
        return Set(list.compactMap { $0["ID"] as? String })
    }

    /// One field of `member`'s `/v1/agent/self` stats (`section` is `raft` or `caravan`).
    func stat(_ section: String, _ name: String, asking member: Member, token: String? = nil) async -> String? {
        guard let answer = await AgentProcess.request(port: member.httpPort, "GET", "/v1/agent/self", token: token), answer.status == 200,
            let object = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any],
            let stats = object["stats"] as? [String: Any], let values = stats[section] as? [String: Any]
        else { return nil }
        return values[name] as? String
    }
}

/// Polls `condition` every 20 ms until it holds or `deadline` passes; returns whether it held.
func eventually(within deadline: Duration = .seconds(20), _ condition: () async -> Bool) async -> Bool {
    let start = ContinuousClock.now
    while ContinuousClock.now - start < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
