import CaravanACL
import CaravanModel
import CaravanState
import Foundation
import Hummingbird

/// The body of `PUT /v1/acl/policy/:name`.
struct ACLPolicyRequest: Decodable {
    var name: String?
    var description: String?
    var rules: String?

    enum CodingKeys: String, CodingKey {
        case name = "Name"
        case description = "Description"
        case rules = "Rules"
    }
}

/// The body of `PUT /v1/acl/token` and `/v1/acl/token/:accessor`.
struct ACLTokenRequest: Decodable {
    var accessorID: String?
    var name: String?
    var type: String?
    var policies: [String]?
    var global: Bool?
    var expirationTTL: GoDuration?

    enum CodingKeys: String, CodingKey {
        case accessorID = "AccessorID"
        case name = "Name"
        case type = "Type"
        case policies = "Policies"
        case global = "Global"
        case expirationTTL = "ExpirationTTL"
    }
}

/// The optional body of `PUT /v1/acl/bootstrap`.
struct ACLBootstrapRequest: Decodable {
    var bootstrapSecret: String?

    enum CodingKeys: String, CodingKey {
        case bootstrapSecret = "BootstrapSecret"
    }
}

/// A duration as a JSON number of nanoseconds (Go's encoding) or a Go duration string (`"1h"`).
struct GoDuration: Decodable {
    var nanoseconds: Int64

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            nanoseconds = number
            return
        }
        let text = try container.decode(String.self)
        guard let duration = GoValues.duration(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid duration")
        }
        nanoseconds = duration.nanoseconds
    }
}

// Nomad's ACL routes: bootstrap, policies and tokens (the route table sends them here, and
// answers `400 ACL support disabled` while ACLs are off).
extension CaravanAPI {
    /// A new accessor or secret ID: a random UUID, lowercase as Nomad writes them.
    private static func newID() -> String { UUID().uuidString.lowercased() }

    /// `PUT /v1/acl/bootstrap`: the first management token, once.
    func bootstrapACL(_ request: Request) async throws -> Response {
        let body = try await decodeOptionalBody(request, as: ACLBootstrapRequest.self)
        var secret = Self.newID()
        if let given = body?.bootstrapSecret, !given.isEmpty {
            guard UUID(uuidString: given) != nil else { throw APIError.badRequest("invalid bootstrap secret: must be a UUID") }
            secret = given.lowercased()
        }
        let token = ACLToken(
            accessorID: Self.newID(), secretID: secret, name: "Bootstrap Token", type: ACLToken.management,
            global: true, createTime: configuration.clock()
        )
        let applied = try await submit(.aclBootstrap(token), request)
        guard case .aclTokens(let stored) = try applied.result.get(), let created = stored.first else {
            throw APIError.internalError("unexpected outcome")
        }
        return Responses.json(created, index: applied.index)
    }

    /// `GET /v1/acl/policies`: every policy for a management token; for any other, the policies
    /// its token names.
    func listACLPolicies(_ caller: Caller, _ request: Request, _ query: QueryParameters) async throws -> Response {
        let prefix = query["prefix"] ?? ""
        let held = Set(caller.token?.policies ?? [])
        return try await blocking(request, query, view: caller.isManagement ? "" : "held=\(held.sorted())") { state in
            let index = state.tableIndex(.aclPolicies)
            return QueryAnswer(index: index, watch: [.table(.aclPolicies)]) {
                let visible = state.aclPolicies(prefix: prefix).filter { caller.isManagement || held.contains($0.name) }
                return Responses.json(visible.map(ACLPolicyListStub.init), index: index)
            }
        }
    }

    /// `GET /v1/acl/policy/:name`: for a management token, or one that holds the policy.
    func readACLPolicy(name: String, _ caller: Caller, _ request: Request, _ query: QueryParameters) async throws -> Response {
        try caller.require(caller.isManagement || caller.token?.policies.contains(name) == true)
        return try await blocking(request, query) { state in
            let index = state.tableIndex(.aclPolicies)
            return QueryAnswer(index: index, watch: [.table(.aclPolicies)]) {
                guard let policy = state.aclPolicy(name: name) else {
                    return Responses.error(APIError(.notFound, "ACL policy not found"), index: index)
                }
                return Responses.json(policy, index: index)
            }
        }
    }

    /// `PUT /v1/acl/policy/:name`: the rules must parse and mean something Nomad accepts.
    func upsertACLPolicy(name: String, _ request: Request) async throws -> Response {
        let body = try await decodeBody(request, as: ACLPolicyRequest.self)
        guard body.name == name else { throw APIError.badRequest("ACL policy name does not match request path") }
        let policy = ACLPolicy(name: name, description: body.description ?? "", rules: body.rules ?? "")
        return try await submitAnsweringEmpty(.aclPolicyUpsert([policy]), request)
    }

    /// `GET /v1/acl/tokens`: every token, without secrets.
    func listACLTokens(_ request: Request, _ query: QueryParameters) async throws -> Response {
        let prefix = query["prefix"] ?? ""
        return try await blocking(request, query) { state in
            let index = state.tableIndex(.aclTokens)
            return QueryAnswer(index: index, watch: [.table(.aclTokens)]) {
                Responses.json(state.aclTokens(prefix: prefix).map(ACLTokenListStub.init), index: index)
            }
        }
    }

    /// `GET /v1/acl/token/self`: the request's own token (`403 ACL token not found` for an
    /// unknown one).
    func readOwnToken(_ request: Request) async throws -> Response {
        do {
            let (token, state) = try await resolveToken(request)
            return Responses.json(token, index: state.tableIndex(.aclTokens))
        } catch let error as APIError where error == .permissionDenied {
            throw APIError(.forbidden, "ACL token not found")
        }
    }

    /// `GET /v1/acl/token/:accessor`: for a management token, or the token itself.
    func readACLToken(accessorID: String, _ caller: Caller, _ request: Request, _ query: QueryParameters) async throws -> Response {
        try caller.require(caller.isManagement || caller.token?.accessorID == accessorID)
        return try await blocking(request, query) { state in
            let index = state.tableIndex(.aclTokens)
            return QueryAnswer(index: index, watch: [.table(.aclTokens)]) {
                guard let token = state.aclToken(accessorID: accessorID) else {
                    return Responses.error(APIError(.notFound, "ACL token not found"), index: index)
                }
                return Responses.json(token, index: index)
            }
        }
    }

    /// `PUT /v1/acl/token` creates a token; `PUT /v1/acl/token/:accessor` updates one.
    func upsertACLToken(accessorID: String?, _ request: Request) async throws -> Response {
        let body = try await decodeBody(request, as: ACLTokenRequest.self)
        let state = store.state
        let now = configuration.clock()
        var token: ACLToken
        if let accessorID {
            if let given = body.accessorID, !given.isEmpty, given != accessorID {
                throw APIError.badRequest("Token accessor ID does not match request path")
            }
            guard let existing = state.aclToken(accessorID: accessorID) else { throw APIError(.notFound, "ACL token not found") }
            token = existing
        } else {
            guard (body.accessorID ?? "").isEmpty else { throw APIError.badRequest("AccessorID must be empty when creating a token") }
            token = ACLToken(
                accessorID: Self.newID(), secretID: Self.newID(), type: ACLToken.client,
                createTime: now)
            if let ttl = body.expirationTTL {
                // Nomad's default bounds (`acl.token_min_expiration_ttl`, `token_max_expiration_ttl`).
                guard ttl.nanoseconds >= 60 * 1_000_000_000 else {
                    throw APIError.badRequest("expiration time cannot be less than 1m0s in the future")
                }
                guard ttl.nanoseconds <= 24 * 3600 * 1_000_000_000 else {
                    throw APIError.badRequest("expiration time cannot be more than 24h0m0s in the future")
                }
                token.expirationTime = now + ttl.nanoseconds
            }
        }
        token.name = body.name ?? token.name
        token.type = body.type.flatMap { $0.isEmpty ? nil : $0 } ?? token.type
        token.policies = body.policies ?? (accessorID == nil ? [] : token.policies)
        token.global = body.global ?? token.global
        let applied = try await submit(.aclTokenUpsert(ACLTokenUpsert(tokens: [token], isUpdate: accessorID != nil)), request)
        guard case .aclTokens(let stored) = try applied.result.get(), let saved = stored.first else {
            throw APIError.internalError("unexpected outcome")
        }
        return Responses.json(saved, index: applied.index)
    }
}
