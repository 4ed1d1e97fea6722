import CaravanTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The same wire rules through a real socket and Hummingbird's HTTP/1 server.
struct LiveServerTests {
    @Test("over a real connection: writes, + decoding, blocking wakeups, 405 and 413")
    func liveRoundTrip() async throws {
        let agent = TestAgent(maxBodySize: 64 * 1024)
        try await agent.run(.live) { client in
            try await client.registerNode(Body.node("rack a-1"))
            #expect(try await client.get("/v1/nodes?prefix=rack+a").array.count == 1)
            try await client.createNamespaces("team-a")
            try await client.registerJob(Body.pluginJob("a", plugin: "p", role: "node", namespace: "team-a"))
            #expect(try await client.get("/v1/jobs?namespace=%2A").array.count == 1)
            #expect(try await client.execute(uri: "/v1/nodes", method: .delete).status == .methodNotAllowed)
            let big = try await client.execute(uri: "/v1/jobs", method: .put, body: ByteBuffer(repeating: UInt8(ascii: "x"), count: 128 * 1024))
            #expect(big.status == .contentTooLarge)
            let seen = try #require(try await client.get("/v1/plugin/csi/p").index)
            let parked = Task { try await client.get("/v1/plugin/csi/p?index=\(seen)&wait=10s") }
            try await eventually("the query parks") { agent.store.parkedCount == 1 }
            try await agent.store.writeDirectly(nodeWithPlugin: "p")
            let response = try await parked.value
            #expect(try #require(response.index) > seen)
            #expect(try response.object["NodesHealthy"] as? Int == 1)
        }
    }
}
