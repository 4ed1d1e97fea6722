import CaravanACL
import CaravanModel
import CaravanState
import Hummingbird

/// The body of `PUT /v1/namespace/:name`.
struct NamespaceRequest: Decodable {
    var name: String?
    var description: String?
    var quota: String?
    var meta: [String: String]?

    enum CodingKeys: String, CodingKey {
        case name = "Name"
        case description = "Description"
        case quota = "Quota"
        case meta = "Meta"
    }
}

// Nomad's namespace routes. Reads show only the namespaces the caller may use; writes need a
// management token.
extension CaravanAPI {
    /// `GET /v1/namespaces?prefix=`.
    func listNamespaces(_ request: Request, _ query: QueryParameters) async throws -> Response {
        let caller = try await caller(request)
        let prefix = query["prefix"] ?? ""
        return try await blocking(request, query, view: caller.view) { state in
            let index = state.tableIndex(.namespaces)
            return QueryAnswer(index: index, watch: [.table(.namespaces)]) {
                Responses.json(state.namespaces(prefix: prefix).filter { caller.acl.allowsNamespace($0.name) }, index: index)
            }
        }
    }

    /// `GET /v1/namespace/:name`: for a caller with any capability in it.
    func readNamespace(name: String, _ request: Request, _ query: QueryParameters) async throws -> Response {
        let caller = try await caller(request)
        try caller.require(caller.acl.allowsNamespace(name))
        return try await blocking(request, query) { state in
            let index = state.tableIndex(.namespaces)
            return QueryAnswer(index: index, watch: [.table(.namespaces)]) {
                guard let namespace = state.namespace(name: name) else {
                    return Responses.error(APIError(.notFound, "namespace not found"), index: index)
                }
                return Responses.json(namespace, index: index)
            }
        }
    }

    /// `PUT /v1/namespace/:name`: creates or updates it.
    func upsertNamespace(name: String, _ request: Request) async throws -> Response {
        let body = try await decodeBody(request, as: NamespaceRequest.self)
        if let given = body.name, !given.isEmpty, given != name {
            throw APIError.badRequest("Namespace name does not match request path")
        }
        let namespace = Namespace(name: name, description: body.description ?? "", quota: body.quota ?? "", meta: body.meta ?? [:])
        return try await submitAnsweringEmpty(.namespaceUpsert([namespace]), request)
    }

    /// `DELETE /v1/namespace/:name`: refused for `default` and while it holds a job.
    func deleteNamespace(name: String, _ request: Request) async throws -> Response {
        return try await submitAnsweringEmpty(.namespaceDelete([name]), request)
    }
}
