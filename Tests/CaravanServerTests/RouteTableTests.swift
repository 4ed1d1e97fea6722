import Foundation
import HTTPTypes
import Testing

@testable import CaravanServer

/// The route table's requirement column agrees with the ACL matrix (testdata/acl/route-matrix.txt),
/// the table the ACL tests check every route against; and the table's rules apply once to every
/// path.
struct RouteTableTests {
    /// The row of the route table that answers `method path`.
    static func route(_ method: HTTPRequest.Method, _ path: String) -> (Route, [String])? {
        let segments = path.split(separator: "?")[0].dropFirst("/v1/".count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let candidates = CaravanAPI.routesByFirstSegment[segments.first ?? ""] ?? []
        guard let (matched, parameters) = candidates.lazy.compactMap({ route in route.pattern.match(segments).map { (route, $0) } }).first
        else { return nil }
        guard let route = candidates.first(where: { $0.pattern == matched.pattern && ($0.methods.isEmpty || $0.methods.contains(method)) })
        else { return nil }
        return (route, parameters)
    }

    @Test("every row of the ACL matrix has a route whose requirement is the matrix's (a request body or query adds to it only in the handler)")
    func requirementsMatchTheMatrix() throws {
        for row in try ACLMatrixTests.routes() {
            let (route, parameters) = try #require(Self.route(row.method, row.path), "\(row) has no route")
            let matches: Bool
            if case .checkedByHandler(let texts) = route.requirement {
                matches = texts.contains { text in
                    let declared = text.replacingOccurrences(of: "<the namespace>", with: parameters.first ?? "")
                    return row.requirement == declared || row.requirement.hasPrefix(declared + "+")
                }
            } else {
                matches = row.requirement == route.requirement.description
            }
            #expect(matches, "\(row): the table says \(route.requirement), the matrix \(row.requirement)")
        }
    }

    @Test("every route in the table is in the ACL matrix")
    func everyRouteIsInTheMatrix() throws {
        let rows = try ACLMatrixTests.routes()
        for route in CaravanAPI.routes where !route.methods.isEmpty {
            for method in route.methods where method != .post {
                let covered = rows.contains { row in row.method == method && Self.route(row.method, row.path)?.0.pattern == route.pattern }
                #expect(covered, "\(method) \(route.pattern) has no row in testdata/acl/route-matrix.txt")
            }
        }
    }

    @Test("a literal segment wins over a parameter: GET /v1/node/register is 405, not the node named register")
    func literalsShadowParameters() throws {
        #expect(Self.route(.get, "/v1/node/register") == nil)
        #expect(Self.route(.put, "/v1/node/register")?.0.pattern.description == "/v1/node/register")
        #expect(Self.route(.get, "/v1/node/n1")?.1 == ["n1"])
        #expect(Self.route(.get, "/v1/plugin/csi/ebs/anything")?.1 == ["ebs"])
        #expect(Self.route(.get, "/v1/plugin/csi/")?.0.methods.isEmpty == true, "the resource-not-found row")
        #expect(Self.route(.get, "/v1/nosuch") == nil)
    }
}
