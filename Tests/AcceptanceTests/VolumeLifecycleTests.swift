import Foundation
import Testing

/// A volume's whole life on a real agent, in the shape Nomad's Go and Python clients send it:
/// `{"Volumes":[…]}` bodies, `?force=false`, `wait=30000ms` blocking reads.
struct VolumeLifecycleTests {
    static func json(_ object: Any) -> Data { try! JSONSerialization.data(withJSONObject: object) }

    static func node(_ id: String, healthy: Bool) -> Data {
        let plugin: [String: Any] = [
            "PluginID": "ebs", "Healthy": healthy, "HealthDescription": healthy ? "healthy" : "unhealthy", "Provider": "ebs.csi.aws.com",
            "ProviderVersion": "1.5.0", "RequiresControllerPlugin": false, "NodeInfo": ["ID": "i-\(id)", "MaxVolumes": 25],
        ]
        let node: [String: Any] = [
            "ID": id, "SecretID": "secret-\(id)", "Name": id, "Datacenter": "dc1", "Status": "ready", "CSINodePlugins": ["ebs": plugin],
        ]
        return json(["Node": node])
    }

    static let volume = json([
        "Volumes": [
            [
                "ID": "vol-1", "Name": "database", "ExternalID": "vol-0abc", "PluginID": "ebs", "Namespace": "",
                "RequestedCapabilities": [["AccessMode": "single-node-writer", "AttachmentMode": "file-system"]],
                "MountOptions": ["FSType": "ext4", "MountFlags": ["noatime"]], "Secrets": ["token": "s3cr3t"],
                "Parameters": ["type": "gp3"], "RequestedCapacityMin": 1_073_741_824,
            ]
        ],
        "PolicyOverride": false,
    ])

    /// Waits (up to 10 s) until the agent reports `count` parked blocking queries.
    static func awaitParked(_ count: Int, on agent: AgentProcess) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let stats = object(await agent.request("GET", "/v1/agent/self"))?["stats"] as? [String: Any]
            let parked = (stats?["caravan"] as? [String: Any])?["blocking_queries_parked"] as? String
            if parked == String(count) { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("\(count) queries never parked")
    }

    static func object(_ answer: AgentProcess.Answer?) -> [String: Any]? {
        answer.flatMap { try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any] }
    }

    @Test("register, list and read with blocking queries, claim, refuse to deregister in use, detach, free and deregister; a kill -9 on the way loses nothing")
    func lifecycle() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caravan-volumes-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var agent = try AgentProcess(arguments: ["-data-dir", directory])
        #expect(await agent.request("PUT", "/v1/node/register", body: Self.node("n1", healthy: true))?.status == 200)
        let empty = try #require(await agent.request("GET", "/v1/volumes?type=csi"))
        #expect(String(decoding: empty.body, as: UTF8.self) == "[]")
        let listIndex = try #require(empty.index)

        // A blocking list wakes on the registration.
        let port = agent.port
        async let woken = AgentProcess.request(port: port, "GET", "/v1/volumes?type=csi&index=\(listIndex)&wait=30000ms", timeout: .seconds(40))
        try await Self.awaitParked(1, on: agent)
        let registered = await agent.request("PUT", "/v1/volume/csi/vol-1", body: Self.volume)
        #expect(registered?.status == 200, "\(registered.map { String(decoding: $0.body, as: UTF8.self) } ?? "no answer")")
        #expect((Self.object(registered)?["Volumes"] as? [[String: Any]])?.first?["ID"] as? String == "vol-1")
        let list = try #require(await woken)
        #expect(list.index == registered?.index)
        let stubs = (try? JSONSerialization.jsonObject(with: list.body)) as? [[String: Any]]
        #expect(stubs?.map { $0["ID"] as? String } == ["vol-1"])

        // A blocking read wakes when its plugin's health changes.
        let read = try #require(await agent.request("GET", "/v1/volume/csi/vol-1"))
        let volume = try #require(Self.object(read))
        #expect(volume["NodesHealthy"] as? Int == 1 && volume["Schedulable"] as? Bool == true && volume["Secrets"] is NSNull)
        #expect(!String(decoding: read.body, as: UTF8.self).contains("s3cr3t") && !String(decoding: read.body, as: UTF8.self).contains("noatime"))
        let readIndex = try #require(read.index)
        async let changed = AgentProcess.request(port: port, "GET", "/v1/volume/csi/vol-1?index=\(readIndex)&wait=30000ms", timeout: .seconds(40))
        try await Self.awaitParked(1, on: agent)
        #expect(await agent.request("PUT", "/v1/node/register", body: Self.node("n2", healthy: true))?.status == 200)
        let health = try #require(await changed)
        #expect(Self.object(health)?["NodesHealthy"] as? Int == 2)
        #expect((health.index ?? 0) > readIndex)

        // A claim through the seam; the volume is in use.
        let claim = Self.json(["AllocationID": "alloc-1", "NodeID": "n1", "Claim": 1, "AccessMode": "single-node-writer", "AttachmentMode": "file-system"])
        let claimed = await agent.request("PUT", "/v1/volume/csi/vol-1/claim", body: claim)
        #expect(claimed?.status == 200)
        let second = Self.json(["AllocationID": "alloc-2", "NodeID": "n2", "Claim": 0, "AccessMode": "single-node-writer", "AttachmentMode": "file-system"])
        let refused = await agent.request("PUT", "/v1/volume/csi/vol-1/claim", body: second)
        #expect(refused?.status == 500 && refused.map { String(decoding: $0.body, as: UTF8.self) }?.hasSuffix("volume max claims reached") == true)

        // kill -9 and restart: the volume and its claim are still there.
        agent.kill()
        agent = try AgentProcess(arguments: ["-data-dir", directory])
        let restored = Self.object(await agent.request("GET", "/v1/volume/csi/vol-1"))
        #expect((restored?["WriteAllocs"] as? [String: Any])?.keys.sorted() == ["alloc-1"])
        let inUse = await agent.request("DELETE", "/v1/volume/csi/vol-1?force=false")
        #expect(inUse?.status == 500 && inUse.map { String(decoding: $0.body, as: UTF8.self) } == "volume in use: vol-1")

        // Detach from n1; n1 reports its detach; no controller is needed, so the claim is freed.
        #expect(await agent.request("DELETE", "/v1/volume/csi/vol-1/detach?node=n1")?.status == 200)
        let nodeDetached = Self.json(["AllocationID": "alloc-1", "NodeID": "n1", "Claim": 1, "State": 1])
        #expect(await agent.request("PUT", "/v1/volume/csi/vol-1/claim", body: nodeDetached)?.status == 200)
        let freed = Self.object(await agent.request("GET", "/v1/volume/csi/vol-1"))
        #expect((freed?["WriteAllocs"] as? [String: Any])?.isEmpty == true && freed?["AccessMode"] as? String == "")
        let deregistered = await agent.request("DELETE", "/v1/volume/csi/vol-1?force=false")
        #expect(deregistered?.status == 200 && deregistered?.body.isEmpty == true)
        #expect(await agent.request("GET", "/v1/volume/csi/vol-1")?.status == 404)
        #expect(agent.stop() == 0)
    }
}
