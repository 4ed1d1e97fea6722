import CaravanTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Bad input gets a clear 4xx and changes nothing it should not; the server stays up.
struct RobustnessTests {
    static func randomJSON(_ generator: inout SplitMix64, depth: Int = 0) -> Any {
        let keys = [
            "ID", "Name", "Job", "Node", "TaskGroups", "Tasks", "Count", "CSIPluginConfig", "Type", "Datacenters", "Status",
            "SecretID", "CSINodePlugins", "Healthy", "NodeInfo", "PluginID", "Namespace", "Priority", "Config",
        ]
        switch (depth > 3, generator.next() % 3) {
        case (true, _), (false, 0):
            return [NSNull(), true, 0, -1, Int64.max, 1.5, "", String(repeating: "x", count: Int(generator.next() % 40)), "é\u{0}"][
                Int(generator.next() % 9)]
        case (false, 1):
            return (0..<Int(generator.next() % 4)).map { _ in randomJSON(&generator, depth: depth + 1) }
        default:
            var object: [String: Any] = [:]
            for _ in 0..<Int(generator.next() % 6) {
                object[keys[Int(generator.next() % UInt64(keys.count))]] = randomJSON(&generator, depth: depth + 1)
            }
            return object
        }
    }

    @Test("random bodies, methods and paths never produce a 5xx and leave the server answering", arguments: [1, 2, 3] as [UInt64])
    func fuzz(seed: UInt64) async throws {
        var generator = SplitMix64(seed: seed)
        let paths = [
            "/v1/jobs", "/v1/job/x", "/v1/job/%ff", "/v1/node/register", "/v1/node/n1/status", "/v1/node/n1/purge",
            "/v1/plugins?type=csi", "/v1/plugin/csi/p", "/v1/csi/plugin/p", "/v1/csi/jobs?plugin_id=p", "/v1/nodes?prefix=%",
            "/v1/job/x?purge=maybe", "/v1/jobs?index=99999999999999999999", "/v1/jobs?index=1&wait=1ms",
        ]
        let methods: [HTTPRequest.Method] = [.get, .put, .post, .delete, .patch]
        let requests: [(HTTPRequest.Method, String, ByteBuffer)] = (0..<300).map { _ in
            let method = methods[Int(generator.next() % UInt64(methods.count))]
            let path = paths[Int(generator.next() % UInt64(paths.count))]
            let body: ByteBuffer
            if generator.next() % 2 == 0 {
                let data = (try? JSONSerialization.data(withJSONObject: ["Job": Self.randomJSON(&generator)], options: [.fragmentsAllowed])) ?? Data()
                body = ByteBuffer(bytes: data)
            } else {
                body = ByteBuffer(bytes: (0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
            }
            return (method, path, body)
        }
        try await TestAgent().run { client in
            for (method, path, body) in requests {
                let response = try await client.execute(uri: path, method: method, body: body)
                #expect(response.status.code < 500, "seed \(seed): \(method) \(path) answered \(response.status): \(response.text)")
            }
            #expect(try await client.get("/v1/csi/plugins").status == .ok)
        }
    }
}
