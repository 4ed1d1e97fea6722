import CaravanAdmission
import CaravanCore
import CaravanDurability
import CaravanRaft
import Testing

/// How founders find each other and agree on their first configuration (`-bootstrap-expect`),
/// and what a server joining a running cluster does meanwhile.
struct DiscoveryTests {
    static func server(_ id: NodeID) -> Server {
        Server(id: id, name: "s\(id)", raftAddress: "10.0.0.\(id):4647", httpAddress: "", isVoter: true)
    }

    /// A fresh server on an empty disk, started with `-bootstrap-expect expect -join …`.
    static func core(_ id: NodeID, expect: Int, join: [NodeID]) -> ServerCore {
        ServerCore(
            membership: ClusterMembership(server: server(id), bootstrapExpect: expect, join: join.map { server($0).raftAddress }),
            admission: Admission(aclEnabled: false), durability: DurabilityOptions(), electionTicks: 10, randomSeed: id, start: ServerCore.Start(),
            takesSnapshots: false, persist: { _, _ in })
    }

    /// The introduction `core` sends on its next tick.
    static func introduction(of core: inout ServerCore) -> Hello? {
        for (frame, _) in core.handle([.tick]).frames {
            if case .hello(let hello) = frame { return hello }
        }
        return nil
    }

    @Test("an introduction says whether its sender founds a cluster, and of how many; it survives the wire")
    func introductionSaysFounding() throws {
        var founder = Self.core(1, expect: 3, join: [2, 3])
        var joiner = Self.core(4, expect: 1, join: [1])
        let founding = try #require(Self.introduction(of: &founder))
        let joining = try #require(Self.introduction(of: &joiner))
        #expect(founding.founding == 3)
        #expect(joining.founding == 0)
        for hello in [founding, joining] {
            guard case .hello(let decoded) = try PeerFrame(decoding: PeerFrame.hello(hello).encoded()) else {
                Issue.record("not a hello")
                continue
            }
            #expect(decoded == hello)
        }
    }

    @Test("founders bootstrap once each knows the others; a server joining meanwhile is in nobody's first configuration")
    func joinerIsNotAFounder() throws {
        var founders = [Self.core(1, expect: 3, join: [2, 3]), Self.core(2, expect: 3, join: [1, 3]), Self.core(3, expect: 3, join: [1, 2])]
        var joiner = Self.core(4, expect: 1, join: [1, 2, 3])
        let joining = try #require(Self.introduction(of: &joiner))
        for index in founders.indices { _ = founders[index].receive(.hello(joining), authenticated: true, now: 0) }
        var configurations: [NodeID: Configuration] = [:]
        for _ in 0..<3 {
            let hellos = founders.indices.compactMap { Self.introduction(of: &founders[$0]) }
            for index in founders.indices {
                for hello in hellos where hello.server.id != founders[index].raft.id {
                    _ = founders[index].receive(.hello(hello), authenticated: true, now: 0)
                }
                if let configuration = founders[index].handle([.tick]).bootstrap { configurations[founders[index].raft.id] = configuration }
            }
        }
        #expect(configurations.count == 3, "every founder bootstraps")
        for (_, configuration) in configurations { #expect(configuration.voters.sorted() == [1, 2, 3]) }
    }
}
