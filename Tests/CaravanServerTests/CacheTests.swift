import HTTPTypes
import Hummingbird
import NIOCore
import Testing

@testable import CaravanServer

/// The caches that let many reads share one encoding.
struct CacheTests {
    static func response(_ text: String) -> Response {
        Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    @Test("a read at the same version reuses the rendered response; a newer version renders again")
    func responseVersions() {
        let cache = ResponseCache()
        var renders = 0
        let render = { (text: String) -> Response in
            renders += 1
            return Self.response(text)
        }
        _ = cache.response(for: "/v1/plugin/csi/a?", version: 5) { render("v5") }
        _ = cache.response(for: "/v1/plugin/csi/a?", version: 5) { render("v5 again") }
        #expect(renders == 1)
        _ = cache.response(for: "/v1/plugin/csi/a?", version: 6) { render("v6") }
        _ = cache.response(for: "/v1/plugin/csi/a?", version: 6) { render("v6 again") }
        #expect(renders == 2)
        _ = cache.response(for: "/v1/plugin/csi/a?namespace=prod", version: 6) { render("other query") }
        #expect(renders == 3)
    }

    @Test("different queries never share a cached answer, whatever their values contain")
    func distinctQueries() async throws {
        try await TestAgent().run { client in
            try await client.registerNode(Body.node("n1", nodes: [Body.nodePlugin("a")]))
            let tricky = try await client.get("/v1/plugins?prefix=a%26type%3Dcsi")
            #expect(tricky.text == "[]", "no type parameter: an empty list")
            let real = try await client.get("/v1/plugins?type=csi&prefix=a")
            #expect(try real.array.count == 1)
        }
        #expect(
            QueryParameters("namespace=b&namespace=a").canonical(excluding: [])
                != QueryParameters("namespace=a&namespace=b").canonical(excluding: []))
    }

    @Test("the cache starts over when its byte budget is spent")
    func byteBudget() {
        let cache = ResponseCache(capacity: 100, byteBudget: 10)
        var renders = 0
        for _ in 0..<2 {
            _ = cache.response(for: "a", version: 1) {
                renders += 1
                return Self.response("123456")
            }
            _ = cache.response(for: "b", version: 1) {
                renders += 1
                return Self.response("123456")
            }
        }
        #expect(renders == 4, "two 6-byte bodies never fit a 10-byte budget together")
    }

    @Test("list entries are re-encoded only when their object's ModifyIndex moves")
    func listEntries() {
        let cache = EncodedViewCache()
        var encoded: [String] = []
        func list(_ items: [(String, UInt64)]) -> String {
            String(
                decoding: cache.array(of: items, wholeTable: true) { position in
                    encoded.append(items[position].0)
                    return Array("\"\(items[position].0)@\(items[position].1)\"".utf8)
                }, as: UTF8.self)
        }
        #expect(list([("a", 1), ("b", 2)]) == #"["a@1","b@2"]"#)
        #expect(list([("a", 1), ("b", 3)]) == #"["a@1","b@3"]"#)
        #expect(encoded == ["a", "b", "b"])
        #expect(list([]) == "[]")
    }
}
