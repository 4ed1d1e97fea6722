import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CaravanServer

/// The wire rules Nomad's clients depend on (reference §13).
struct WireRulesTests {
    @Test("a known path with the wrong method is 405 Invalid method")
    func invalidMethod() async throws {
        try await TestAgent().run { client in
            for (uri, method) in [
                ("/v1/jobs", HTTPRequest.Method.delete), ("/v1/nodes", .put), ("/v1/plugins", .post),
                ("/v1/csi/plugins", .put), ("/v1/node/n1", .delete), ("/v1/node/register", .get),
            ] {
                let response = try await client.execute(uri: uri, method: method)
                #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                #expect(response.text == "Invalid method")
                #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
            }
        }
    }

    @Test("an unknown path is 404 with an empty body")
    func unknownPath() async throws {
        try await TestAgent().run { client in
            for uri in ["/", "/v1", "/v1/nothing", "/v2/jobs", "/v1/job/x/allocations", "/v1/jobs/"] {
                let response = try await client.get(uri)
                #expect(response.status == .notFound, "\(uri)")
                #expect(response.text == "")
            }
            let tooDeep = try await client.get("/v1/plugin/csi/a/b/c")
            #expect(tooDeep.status == .notFound)
            #expect(tooDeep.text == "resource not found")
        }
    }

    @Test("a bad index or wait is 400 with Nomad's text")
    func badBlockingParameters() async throws {
        try await TestAgent().run { client in
            let index = try await client.get("/v1/jobs?index=abc")
            #expect(index.status == .badRequest)
            #expect(index.text == "Invalid index")
            let wait = try await client.get("/v1/jobs?index=1&wait=soon")
            #expect(wait.status == .badRequest)
            #expect(wait.text == "Invalid wait time")
        }
    }

    @Test("every read answers X-Nomad-Index of at least 1, and the leader headers")
    func indexFloor() async throws {
        try await TestAgent().run { client in
            for uri in ["/v1/jobs", "/v1/nodes", "/v1/plugins?type=csi", "/v1/csi/plugins", "/v1/csi/jobs"] {
                let response = try await client.get(uri)
                #expect(response.status == .ok)
                #expect(response.index == 1, "\(uri)")
                #expect(response.headers[HTTPField.Name("X-Nomad-KnownLeader")!] == "true")
                #expect(response.headers[HTTPField.Name("X-Nomad-LastContact")!] == "0")
                #expect(response.text == "[]")
            }
        }
    }

    @Test("a + in the query decodes to a space, %2A to *")
    func queryDecoding() async throws {
        try await TestAgent().run { client in
            try await client.registerNode(Body.node("rack a-1"))
            try await client.registerNode(Body.node("rack-b"))
            let spaced = try await client.get("/v1/nodes?prefix=rack+a").array
            #expect(spaced.count == 1)
            let encoded = try await client.get("/v1/nodes?prefix=rack%20a").array
            #expect(encoded.count == 1)
            try await client.createNamespaces("team-a")
            try await client.registerJob(Body.pluginJob("a", plugin: "p", role: "node", namespace: "team-a"))
            let all = try await client.get("/v1/jobs?namespace=%2A").array
            #expect(all.count == 1)
        }
    }

    @Test("Go booleans are accepted; a bad one is 400")
    func goBooleans() async throws {
        try await TestAgent().run { client in
            try await client.registerJob(Body.pluginJob("a", plugin: "p", role: "node"))
            let stop = try await client.execute(uri: "/v1/job/a?purge=False", method: .delete)
            #expect(stop.status == .ok)
            #expect(try await client.get("/v1/job/a").object["Stop"] as? Bool == true)
            let bad = try await client.execute(uri: "/v1/job/a?purge=yes", method: .delete)
            #expect(bad.status == .badRequest)
            let purge = try await client.execute(uri: "/v1/job/a?purge=True", method: .delete)
            #expect(purge.status == .ok)
            #expect(try await client.get("/v1/job/a").status == .notFound)
        }
    }

    @Test("a body over the limit is 413 and changes nothing")
    func bodyLimit() async throws {
        let agent = TestAgent(maxBodySize: 1024)
        try await agent.run { client in
            var job = Body.pluginJob("big", plugin: "p", role: "node")
            job["Meta"] = ["blob": String(repeating: "x", count: 4096)]
            let response = try await client.put("/v1/jobs", body: ["Job": job])
            #expect(response.status == .contentTooLarge)
            #expect(try await client.get("/v1/jobs").array.isEmpty)
        }
    }

    @Test("an empty or malformed body is 400 and changes nothing")
    func badBodies() async throws {
        try await TestAgent().run { client in
            let before = try await client.get("/v1/jobs").index
            #expect(before == 1, "no job written yet: the jobs table's index is Nomad's floor")
            let empty = try await client.execute(uri: "/v1/jobs", method: .put)
            #expect(empty.status == .badRequest)
            #expect(empty.text == "Request body is empty")
            let malformed = try await client.put("/v1/jobs", json: "{\"Job\": {")
            #expect(malformed.status == .badRequest)
            let wrongType = try await client.put("/v1/jobs", json: "{\"Job\": {\"ID\": 5}}")
            #expect(wrongType.status == .badRequest)
            #expect(wrongType.text.contains("ID"))
            #expect(try await client.get("/v1/jobs").index == before)
        }
    }

    @Test("Go durations parse as Nomad's server parses them")
    func durations() {
        #expect(GoValues.duration("30000ms") == .seconds(30))
        #expect(GoValues.duration("10s") == .seconds(10))
        #expect(GoValues.duration("1m30s") == .seconds(90))
        #expect(GoValues.duration("1.5h") == .seconds(5400))
        #expect(GoValues.duration("0") == .zero)
        #expect(GoValues.duration("250us") == .microseconds(250))
        for bad in ["", "10", "s", "1x", "1..5s", "--1s"] { #expect(GoValues.duration(bad) == nil, "\(bad)") }
    }

    @Test("Go booleans parse as strconv.ParseBool does")
    func booleans() {
        for yes in ["1", "t", "T", "TRUE", "true", "True"] { #expect(GoValues.bool(yes) == true) }
        for no in ["0", "f", "F", "FALSE", "false", "False"] { #expect(GoValues.bool(no) == false) }
        for bad in ["", "yes", "tRuE", "2"] { #expect(GoValues.bool(bad) == nil) }
    }

    @Test("the wait is capped at 300 s and jitter stays below wait/16")
    func waitClamp() throws {
        let capped = try BlockingOptions(QueryParameters("index=5&wait=1h"))
        #expect(capped.wait == .seconds(300))
        let defaulted = try BlockingOptions(QueryParameters("index=5"))
        #expect(defaulted.wait == .seconds(300))
        let short = try BlockingOptions(QueryParameters("index=5&wait=16s"))
        for _ in 0..<100 {
            let total = short.waitWithJitter
            #expect(total >= .seconds(16) && total < .seconds(17))
        }
    }
}
