import CaravanTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `/v1/volumes` and `/v1/volume/csi/:id`, Nomad's shapes, and the claim seam.
struct VolumeRouteTests {
    static var writer: [String: Any] { ["AccessMode": "multi-node-single-writer", "AttachmentMode": "file-system"] }

    static func volume(_ id: String, plugin: String = "foo", namespace: String? = nil, extra: [String: Any] = [:]) -> [String: Any] {
        var volume: [String: Any] = ["ID": id, "PluginID": plugin, "RequestedCapabilities": [writer]]
        if let namespace { volume["Namespace"] = namespace }
        return volume.merging(extra) { _, new in new }
    }

    /// Scenario 10's fixture: n0 runs a healthy controller of `foo`, n1 and n2 healthy node plugins.
    static func registerPlugin(_ client: any TestClientProtocol, plugin: String = "foo", nodes: String = "n") async throws {
        try await client.registerNode(Body.node("\(nodes)0", status: "ready", controllers: [Body.controller(plugin)]))
        try await client.registerNode(Body.node("\(nodes)1", status: "ready", nodes: [Body.nodePlugin(plugin)]))
        try await client.registerNode(Body.node("\(nodes)2", status: "ready", nodes: [Body.nodePlugin(plugin)]))
    }

    static func claim(_ alloc: String, node: String = "n1", mode: Int = 1, state: Int = 0) -> [String: Any] {
        ["AllocationID": alloc, "NodeID": node, "Claim": mode, "State": state, "AccessMode": "multi-node-single-writer", "AttachmentMode": "file-system"]
    }

    @Test("scenario 10: register through PUT /v1/volumes, read it with its plugin's health, detach without a node is 400")
    func registerAndRead() async throws {
        let agent = TestAgent()
        try await agent.run { client in
            try await Self.registerPlugin(client)
            let registered = try await client.put("/v1/volumes", body: ["Volumes": [Self.volume("bar")]])
            #expect(registered.status == .ok, "\(registered.text)")
            let reply = try registered.object
            #expect((reply["Volumes"] as? [[String: Any]])?.first?["ID"] as? String == "bar")
            #expect(reply["Warnings"] as? String == "" && reply["Index"] as? Int == Int(agent.index))
            #expect(registered.index == agent.index)
            let read = try await client.get("/v1/volume/csi/bar")
            let volume = try read.object
            #expect(volume["ControllersHealthy"] as? Int == 1 && volume["NodesHealthy"] as? Int == 2)
            #expect(volume["Schedulable"] as? Bool == true && volume["Namespace"] as? String == "default")
            #expect(volume["Provider"] as? String == "com.example.foo" && volume["ControllerRequired"] as? Bool == true)
            #expect(read.index == agent.index)
            let detach = try await client.execute(uri: "/v1/volume/csi/bar/detach", method: .delete)
            #expect(detach.status == .badRequest && detach.text == "detach requires node ID")
            let missing = try await client.get("/v1/volume/csi/nope")
            #expect(missing.status == .notFound && missing.text == "volume not found")
        }
    }

    @Test("register errors are Nomad's 500s with its words, an empty body is 400, and nothing changes")
    func registerErrors() async throws {
        let agent = TestAgent()
        try await agent.run { client in
            try await Self.registerPlugin(client)
            let before = agent.index
            let unknown = try await client.put("/v1/volume/csi/x", body: ["Volumes": [Self.volume("x", plugin: "nope")]])
            #expect(unknown.status == .internalServerError && unknown.text == "no CSI plugin named: nope could be found")
            let invalid = try await client.put("/v1/volumes", body: ["Volumes": [["ID": "x", "PluginID": "foo"]]])
            #expect(invalid.status == .internalServerError && invalid.text == "validation: must include at least one capability block")
            let empty = try await client.execute(uri: "/v1/volumes", method: .put)
            #expect(empty.status == .badRequest && empty.text == "Request body is empty")
            let post = try await client.put("/v1/volume/csi/x", body: ["Volumes": [Self.volume("x")]], method: .post)
            #expect(post.status == .methodNotAllowed)
            #expect(agent.index == before)
            #expect(try await client.get("/v1/volumes?type=csi").array.isEmpty)
        }
    }

    @Test("scenario 11: the body's volume namespace wins over the request's; secrets and mount flags are redacted, FSType kept")
    func redaction() async throws {
        try await TestAgent().run { client in
            try await Self.registerPlugin(client)
            try await client.createNamespaces("prod")
            let volume = Self.volume(
                "db", namespace: "prod",
                extra: ["Secrets": ["password": "hunter2"], "MountOptions": ["FSType": "ext4", "MountFlags": ["ro", "noatime"]], "Parameters": ["tier": "gold"]])
            let registered = try await client.put("/v1/volumes?namespace=default", body: ["Volumes": [volume]])
            #expect(registered.status == .ok, "\(registered.text)")
            #expect(!registered.text.contains("hunter2") && !registered.text.contains("noatime"))
            #expect(try await client.get("/v1/volume/csi/db").status == .notFound)
            let read = try await client.get("/v1/volume/csi/db?namespace=prod")
            let object = try read.object
            #expect(object["Secrets"] is NSNull)
            let mount = object["MountOptions"] as? [String: Any]
            #expect(mount?["FSType"] as? String == "ext4" && mount?["MountFlags"] as? [String] == ["[REDACTED]"])
            #expect((object["Parameters"] as? [String: String]) == ["tier": "gold"])
            #expect(!read.text.contains("hunter2"))
        }
    }

    @Test("the list's type: none and host give [], csi the volumes, another type 404 (scenario 28)")
    func listTypes() async throws {
        try await TestAgent().run { client in
            try await Self.registerPlugin(client)
            _ = try await client.put("/v1/volumes", body: ["Volumes": [Self.volume("a")]])
            #expect(try await client.get("/v1/volumes").text == "[]")
            #expect(try await client.get("/v1/volumes?type=host").text == "[]")
            let bogus = try await client.get("/v1/volumes?type=bogus")
            #expect(bogus.status == .notFound)
            let stubs = try await client.get("/v1/volumes?type=csi").array
            let stub = try #require(stubs.first as? [String: Any])
            #expect(
                stub.keys.sorted() == [
                    "AccessMode", "AttachmentMode", "ControllerRequired", "ControllersExpected", "ControllersHealthy", "CreateIndex",
                    "CreateTime", "CurrentReaders", "CurrentWriters", "ExternalID", "ID", "ModifyIndex", "ModifyTime", "Name", "Namespace",
                    "NodesExpected", "NodesHealthy", "PluginID", "Provider", "ResourceExhausted", "Schedulable", "Topologies",
                ])
        }
    }

    @Test("scenarios 17 and 18: lists by plugin, across every namespace, by prefix; the index is the volumes table's")
    func listSelection() async throws {
        let agent = TestAgent()
        try await agent.run { client in
            try await Self.registerPlugin(client, plugin: "minnie")
            try await Self.registerPlugin(client, plugin: "adam", nodes: "m")
            try await client.createNamespaces("ns-1", "ns-2")
            let body: [String: Any] = [
                "Volumes": [
                    Self.volume("vol0", plugin: "minnie"), Self.volume("vol1", plugin: "adam", namespace: "ns-1"),
                    Self.volume("vol2", plugin: "adam", namespace: "ns-2"),
                ]
            ]
            #expect(try await client.put("/v1/volumes", body: body).status == .ok)
            let index = agent.index
            func ids(_ uri: String) async throws -> [String] {
                let response = try await client.get(uri)
                #expect(response.index == index, "\(uri)")
                return try response.array.compactMap { ($0 as? [String: Any])?["ID"] as? String }
            }
            #expect(try await ids("/v1/volumes?type=csi") == ["vol0"])
            #expect(try await ids("/v1/volumes?type=csi&namespace=*") == ["vol0", "vol1", "vol2"])
            #expect(try await ids("/v1/volumes?type=csi&namespace=*&plugin_id=adam") == ["vol1", "vol2"])
            #expect(try await ids("/v1/volumes?type=csi&namespace=*&prefix=vol0") == ["vol0"])
            #expect(try await ids("/v1/volumes?type=csi&namespace=ns-1&plugin_id=minnie") == [])
        }
    }

    @Test("scenario 19: pages of per_page with X-Nomad-NextToken <namespace>.<id>; a token that names no volume starts at the next one")
    func paging() async throws {
        try await TestAgent().run { client in
            try await Self.registerPlugin(client)
            try await client.createNamespaces("non-default")
            var volumes = [[String: Any]]()
            for number in [1, 2, 4, 5, 6, 7, 8, 10] { volumes.append(Self.volume(String(format: "vol-%02d", number))) }
            volumes.append(Self.volume("vol-03", namespace: "non-default"))
            #expect(try await client.put("/v1/volumes", body: ["Volumes": volumes]).status == .ok)
            func page(_ query: String) async throws -> (ids: [String], next: String?) {
                let response = try await client.get("/v1/volumes?type=csi&" + query)
                #expect(response.status == .ok, "\(response.text)")
                let ids = try response.array.compactMap { ($0 as? [String: Any])?["ID"] as? String }
                return (ids, response.headers[HTTPField.Name("X-Nomad-NextToken")!])
            }
            var result = try await page("per_page=2")
            #expect(result.ids == ["vol-01", "vol-02"] && result.next == "default.vol-04")
            result = try await page("per_page=2&prefix=vol")
            #expect(result.ids == ["vol-01", "vol-02"] && result.next == "default.vol-04")
            result = try await page("per_page=2&next_token=default.vol-04")
            #expect(result.ids == ["vol-04", "vol-05"] && result.next == "default.vol-06")
            result = try await page("prefix=cccc")
            #expect(result.ids.isEmpty && result.next == nil)
            result = try await page("namespace=*&per_page=1&next_token=default.vol-10")
            #expect(result.ids == ["vol-10"] && result.next == "non-default.vol-03")
            result = try await page("namespace=*&per_page=2&next_token=default.vol-10")
            #expect(result.ids == ["vol-10", "vol-03"] && result.next == nil)
            result = try await page("per_page=1&next_token=default.vol-09")
            #expect(result.ids == ["vol-10"] && result.next == nil)
            let filter = "ID matches \"^vol-0[123]\"".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            result = try await page("namespace=*&filter=\(filter)")
            #expect(result.ids == ["vol-01", "vol-02", "vol-03"] && result.next == nil)
            result = try await page("namespace=*&per_page=2&filter=\(filter)")
            #expect(result.ids == ["vol-01", "vol-02"] && result.next == "non-default.vol-03")
            result = try await page("namespace=non-default&filter=Provider+%3D%3D+%22com.example.foo%22")
            #expect(result.ids == ["vol-03"])
            result = try await page("filter=Namespace+%3D%3D+%22non-default%22")
            #expect(result.ids.isEmpty)
            let notValid = try await client.get("/v1/volumes?type=csi&filter=NotValid")
            #expect(notValid.status == .badRequest && notValid.text.hasPrefix("failed to read filter expression: 1:9 (8): no match found"))
            let deep = try await client.get("/v1/volumes?type=csi&filter=ID.x+%3D%3D+1")
            #expect(deep.status == .badRequest && deep.text.hasPrefix("failed to read result page: error finding value in datum"))
            let bad = try await client.get("/v1/volumes?type=csi&per_page=many")
            #expect(bad.status == .badRequest && bad.text == "Expect a number for `per_page` query string parameter")
        }
    }

    @Test("the claim seam: claims per access mode, node_id lists, deregistration refused in use and forced, detach through freed")
    func claimLifecycle() async throws {
        let agent = TestAgent()
        try await agent.run { client in
            try await Self.registerPlugin(client)
            #expect(try await client.put("/v1/volumes", body: ["Volumes": [Self.volume("vol")]]).status == .ok)
            let claimed = try await client.put("/v1/volume/csi/vol/claim", body: Self.claim("a1"))
            #expect(claimed.status == .ok, "\(claimed.text)")
            let volume = try #require(try claimed.object["Volume"] as? [String: Any])
            #expect((volume["WriteAllocs"] as? [String: Any])?.keys.sorted() == ["a1"])
            #expect(volume["AccessMode"] as? String == "multi-node-single-writer")
            let second = try await client.put("/v1/volume/csi/vol/claim", body: Self.claim("a2", node: "n2"))
            #expect(second.status == .internalServerError)
            #expect(second.text == "alloc \"a2\" failed to claim volume \"vol\": volume max claims reached")
            #expect(try await client.put("/v1/volume/csi/vol/claim", body: Self.claim("a2", node: "n2", mode: 0)).status == .ok)
            let onN2 = try await client.get("/v1/volumes?type=csi&node_id=n2").array
            #expect((onN2.first as? [String: Any])?["CurrentReaders"] as? Int == 1)
            #expect(try await client.get("/v1/volumes?type=csi&node_id=n0").array.isEmpty)
            let inUse = try await client.execute(uri: "/v1/volume/csi/vol?force=false", method: .delete)
            #expect(inUse.status == .internalServerError && inUse.text == "volume in use: vol")
            let badForce = try await client.execute(uri: "/v1/volume/csi/vol?force=maybe", method: .delete)
            #expect(badForce.status == .badRequest && badForce.text == "invalid force value")
            let detached = try await client.execute(uri: "/v1/volume/csi/vol/detach?node=n1", method: .delete)
            #expect(detached.status == .ok && detached.text == "" && detached.index == agent.index)
            #expect(try await client.put("/v1/volume/csi/vol/claim", body: Self.claim("a1", state: 1)).status == .ok)
            let waiting = try await client.get("/v1/volume/csi/vol").object
            #expect((waiting["WriteAllocs"] as? [String: Any])?.keys.sorted() == ["a1"], "foo's controller attaches: its detach is still to come")
            #expect(try await client.put("/v1/volume/csi/vol/claim", body: Self.claim("a1", state: 2)).status == .ok)
            let after = try await client.get("/v1/volume/csi/vol").object
            #expect((after["WriteAllocs"] as? [String: Any])?.isEmpty == true && (after["ReadAllocs"] as? [String: Any])?.count == 1)
            let forced = try await client.execute(uri: "/v1/volume/csi/vol?force=true", method: .delete)
            #expect(forced.status == .ok && forced.text == "")
            #expect(try await client.get("/v1/volume/csi/vol").status == .notFound)
            let gone = try await client.execute(uri: "/v1/volume/csi/vol", method: .delete)
            #expect(gone.status == .internalServerError && gone.text == "volume not found: vol")
        }
    }

    @Test("Nomad's path table for volume/csi: create and delete answer 501, other subpaths 404 or 405, three segments 404")
    func pathTable() async throws {
        try await TestAgent().run { client in
            let create = try await client.execute(uri: "/v1/volume/csi/x/create", method: .put)
            #expect(create.status == .notImplemented && create.text.contains("controller plugin"))
            #expect(try await client.execute(uri: "/v1/volume/csi/x/delete", method: .delete).status == .notImplemented)
            #expect(try await client.execute(uri: "/v1/volumes/snapshot", method: .get).status == .notImplemented)
            #expect(try await client.execute(uri: "/v1/volumes/external?plugin_id=foo", method: .get).status == .notImplemented)
            #expect(try await client.execute(uri: "/v1/volume/csi/x/other", method: .put).status == .notFound)
            #expect(try await client.execute(uri: "/v1/volume/csi/x/other", method: .delete).status == .notFound)
            #expect(try await client.execute(uri: "/v1/volume/csi/x/create", method: .get).status == .methodNotAllowed)
            #expect(try await client.execute(uri: "/v1/volume/csi/x/other", method: .get).status == .methodNotAllowed)
            #expect(try await client.execute(uri: "/v1/volume/csi/x", method: .patch).status == .methodNotAllowed)
            #expect(try await client.execute(uri: "/v1/volume/csi/x/a/b", method: .get).status == .notFound)
        }
    }

    @Test("a blocking volume read wakes on a change to its plugin's health; a blocking list wakes on a registration")
    func blockingReads() async throws {
        let agent = TestAgent()
        try await agent.run { client in
            try await Self.registerPlugin(client)
            #expect(try await client.put("/v1/volumes", body: ["Volumes": [Self.volume("vol")]]).status == .ok)
            let index = agent.index
            async let read = client.get("/v1/volume/csi/vol?index=\(index)&wait=20s")
            try await eventually("the read parks") { agent.store.parkedCount == 1 }
            try await client.registerNode(Body.node("n2", status: "ready", nodes: [Body.nodePlugin("foo", healthy: false)]))
            let woken = try await read
            #expect(woken.index == index + 1)
            #expect(try woken.object["NodesHealthy"] as? Int == 1)
            async let list = client.get("/v1/volumes?type=csi&index=\(index + 1)&wait=20s")
            try await eventually("the list parks") { agent.store.parkedCount == 1 }
            try await client.registerNode(Body.node("n3", nodes: [Body.nodePlugin("foo")]))
            #expect(agent.store.parkedCount == 1, "a node registration leaves the volume list parked")
            #expect(try await client.put("/v1/volumes", body: ["Volumes": [Self.volume("vol2")]]).status == .ok)
            let listed = try await list
            #expect(listed.index == agent.index)
            #expect(try listed.array.count == 2)
        }
    }
}

/// Volume ACLs beyond the route matrix: the namespace a registration is checked in.
struct VolumeACLTests {
    @Test("scenario 11: a registration is checked in each volume's namespace, not the request's")
    func volumeNamespaceWins() async throws {
        try await TestAgent(aclEnabled: true).run { client in
            let fixture = try await ACLFixture.make(client)
            for name in ["other"] {
                let body = try JSONSerialization.data(withJSONObject: ["Name": name])
                #expect(try await client.send(.put, "/v1/namespace/\(name)", token: fixture.management, body: body).status == .ok)
            }
            let tokenA = try await fixture.token("namespace \"other\" { capabilities = [\"csi-write-volume\"] }\nplugin { policy = \"read\" }", client)
            let tokenB = try await fixture.token(
                "namespace \"prod\" { capabilities = [\"csi-write-volume\", \"csi-read-volume\"] }\nnamespace \"default\" { capabilities = [\"csi-write-volume\"] }\nplugin { policy = \"read\" }",
                client)
            let body = try JSONSerialization.data(withJSONObject: ["Volumes": [ACLMatrixTests.volume("db", namespace: "prod")]])
            let refused = try await client.send(.put, "/v1/volumes?namespace=other", token: tokenA, body: body)
            #expect(refused.status == .forbidden && refused.text == "Permission denied")
            let accepted = try await client.send(.put, "/v1/volumes?namespace=default", token: tokenB, body: body)
            #expect(accepted.status == .ok, "\(accepted.text)")
            let read = try await client.send(.get, "/v1/volume/csi/db?namespace=prod", token: tokenB, body: nil)
            #expect(read.status == .ok && read.index == accepted.index)
            #expect(try await client.send(.get, "/v1/volume/csi/db?namespace=prod", token: tokenA, body: nil).status == .forbidden)
        }
    }
}
