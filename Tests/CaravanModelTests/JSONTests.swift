import Foundation
import Testing

@testable import CaravanModel

/// Reading Nomad's JSON and writing it back.
struct JSONTests {
    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }

    @Test("a job keeps the fields Caravan does not interpret and writes them back")
    func unknownFieldsRoundTrip() throws {
        let json =
            #"{"ID":"j","Meta":{"a":"b"},"Constraints":[{"LTarget":"x","Operand":"=","RTarget":1.5}],"TaskGroups":[{"Name":"g","Tasks":[{"Name":"t","Resources":{"CPU":100}}],"Spread":null}]}"#
        let job = try Self.decode(Job.self, json)
        #expect(job.extra["Meta"] == .object(["a": .string("b")]))
        #expect(job.taskGroups[0].extra["Spread"] == .null)
        #expect(job.taskGroups[0].tasks[0].extra["Resources"] == .object(["CPU": .int(100)]))
        let written = try #require(String(bytes: JSONWriter.encode(job), encoding: .utf8))
        let reread = try Self.decode(Job.self, written)
        #expect(reread == job)
    }

    @Test("Go defaults fill what the client left out; an explicit count of 0 stays 0")
    func defaults() throws {
        var job = try Self.decode(
            Job.self,
            #"{"ID":"j","TaskGroups":[{"Name":"a","Tasks":[{"Name":"t","CSIPluginConfig":{"ID":"p","Type":"node"}}]},{"Name":"b","Count":0}]}"#)
        job.canonicalize()
        #expect(job.name == "j")
        #expect(job.namespace == "default")
        #expect(job.type == "service")
        #expect(job.priority == 50)
        #expect(job.region == "global")
        #expect(job.datacenters == ["*"])
        #expect(job.taskGroups.map(\.count) == [1, 0])
        let plugin = try #require(job.taskGroups[0].tasks[0].csiPluginConfig)
        #expect(plugin.mountDir == "/csi")
        #expect(plugin.stagePublishBaseDir == "/local/csi")
        #expect(plugin.healthTimeout == 30_000_000_000)
    }

    @Test("strings are escaped as JSON requires; maps are written with sorted keys")
    func writerEscapes() throws {
        let value: JSONValue = .object([
            "b": .string("quote\" backslash\\ newline\n tab\t bell\u{07} é"), "a": .array([.int(-3), .double(2.5), .bool(false), .null]),
        ])
        let text = try #require(String(bytes: JSONWriter.encode(value), encoding: .utf8))
        #expect(text == #"{"a":[-3,2.5,false,null],"b":"quote\" backslash\\ newline\n tab\t bell\u0007 é"}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect((parsed?["b"] as? String)?.hasSuffix("é") == true)
    }

    @Test("a node decodes its fingerprint maps and is written without its secret")
    func node() throws {
        let node = try Self.decode(
            Node.self,
            #"{"ID":"n","SecretID":"s","CSINodePlugins":{"p":{"PluginID":"p","Healthy":true,"NodeInfo":{"ID":"ext","MaxVolumes":3,"AccessibleTopology":{"Segments":{"zone":"a"}}}}}}"#
        )
        #expect(node.secretID == "s")
        #expect(node.csiNodePlugins["p"]?.nodeInfo?.accessibleTopology?.segments == ["zone": "a"])
        let written = try #require(String(bytes: JSONWriter.encode(node), encoding: .utf8))
        #expect(written.contains(#""SecretID":"""#))
        #expect(!written.contains(#""s""#))
    }
}

/// Views whose order must not depend on hashing.
struct ViewOrderTests {
    @Test("topologies are ordered by their sorted segments, even when joined texts would tie")
    func topologyOrder() {
        let a = CSITopology(segments: ["a": "b,c=d"])
        let b = CSITopology(segments: ["a": "b", "c": "d"])
        let plugin = CSIPlugin(
            summary: CSIPluginSummary(id: "p"),
            nodes: [
                "n1": CSIInfo(pluginID: "p", healthy: true, nodeInfo: CSINodeInfo(id: "1", accessibleTopology: a)),
                "n2": CSIInfo(pluginID: "p", healthy: true, nodeInfo: CSINodeInfo(id: "2", accessibleTopology: b)),
            ]
        )
        #expect(plugin.topologies == [b, a])
    }
}
