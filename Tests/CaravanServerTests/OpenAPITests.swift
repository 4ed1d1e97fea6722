import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CaravanServer

/// docs/openapi.yaml describes exactly the routes the route table serves, and every agent serves
/// that file, byte for byte, at `GET /v1/openapi.yaml`.
struct OpenAPITests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")

    /// The `method path` pairs of the file's `paths:` section, paths written as the route table
    /// writes them (`/v1/node/:/status` for `/v1/node/{node_id}/status`). The file keeps a regular
    /// layout for this reader: a path is a line of two spaces, the path and a colon; an operation a
    /// line of four spaces, a method and a colon.
    static func operationsInFile() throws -> Set<String> {
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "paths:") else { return [] }
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        var operations: Set<String> = []
        var path: String?
        for line in lines[(start + 1)...] {
            if let first = line.first, first != " ", first != "#" { break }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                let segments = line.dropFirst(3).dropLast().split(separator: "/").map { $0.hasPrefix("{") ? ":" : String($0) }
                path = "/" + segments.joined(separator: "/")
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":"), let path {
                let method = String(line.dropFirst(4).dropLast())
                if methods.contains(method) { operations.insert("\(method.uppercased()) \(path)") }
            }
        }
        return operations
    }

    /// The route table's `method path` pairs. A pattern's optional last segment (`*`) gives the
    /// path with and without it; rows that answer every method (the `404 resource not found`
    /// catch-alls under a prefix) name no operation.
    static func operationsInRouteTable() -> Set<String> {
        var operations: Set<String> = []
        for route in CaravanAPI.routes {
            let text = route.pattern.description
            let paths = text.hasSuffix("/*") ? [String(text.dropLast(2)), String(text.dropLast()) + ":"] : [text]
            for method in route.methods {
                for path in paths { operations.insert("\(method.rawValue) \(path)") }
            }
        }
        return operations
    }

    @Test("every method and path of the route table is an operation of docs/openapi.yaml, and every operation is a route")
    func fileMatchesRouteTable() throws {
        let inFile = try Self.operationsInFile()
        let inTable = Self.operationsInRouteTable()
        #expect(inFile.count > 40, "the reader found the file's operations")
        #expect(inTable.subtracting(inFile).sorted() == [], "routes docs/openapi.yaml does not describe")
        #expect(inFile.subtracting(inTable).sorted() == [], "operations docs/openapi.yaml describes that no route serves")
    }

    @Test("the reader maps the file's {parameters} and the table's optional tail the same way")
    func pathsAreWrittenAlike() throws {
        let inFile = try Self.operationsInFile()
        #expect(inFile.contains("PUT /v1/node/:/status"))
        #expect(inFile.contains("GET /v1/plugin/csi/:/:"))
        #expect(Self.operationsInRouteTable().contains("GET /v1/plugin/csi/:/:"))
    }

    @Test("GET /v1/openapi.yaml serves docs/openapi.yaml byte for byte, as application/yaml, to anyone", arguments: [false, true])
    func servesTheFile(aclEnabled: Bool) async throws {
        let expected = try Data(contentsOf: Self.file)
        try await TestAgent(aclEnabled: aclEnabled).run { client in
            let response = try await client.get("/v1/openapi.yaml")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/yaml")
            #expect(Data(response.body.readableBytesView) == expected, "run scripts/embed-openapi.sh after editing docs/openapi.yaml")
        }
    }
}
