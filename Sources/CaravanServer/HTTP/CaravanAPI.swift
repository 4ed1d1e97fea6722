import CaravanACL
import CaravanAdmission
import CaravanCore
import CaravanModel
import CaravanState
import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore

/// What the HTTP API needs to know about the agent it runs in.
public struct APIConfiguration: Sendable {
    /// Largest request body accepted; larger ones get 413.
    public var maxBodySize: Int
    /// The address `GET /v1/status/leader` reports (Nomad reports the leader's RPC address).
    public var leaderAddress: String
    public var nodeName: String
    public var region: String
    public var datacenter: String
    /// Unix nanoseconds now; stamped into the commands this server proposes.
    public var clock: @Sendable () -> Int64
    /// Whether reads with `?index=` wait for a change. A replay's state never changes, so it
    /// answers them at once.
    public var blockingQueries = true
    /// How often an idle event stream sends its `{}` heartbeat (Nomad: 30 s).
    public var eventHeartbeat: Duration = .seconds(30)

    public init(
        maxBodySize: Int = 4 << 20, leaderAddress: String = "127.0.0.1:4647", nodeName: String = "caravan-dev",
        region: String = "global", datacenter: String = "dc1",
        clock: @escaping @Sendable () -> Int64 = ServerNode.wallClock
    ) {
        self.maxBodySize = maxBodySize
        self.leaderAddress = leaderAddress
        self.nodeName = nodeName
        self.region = region
        self.datacenter = datacenter
        self.clock = clock
    }
}

/// Caravan's HTTP API: routes each request through the route table (``routes``) to its handler,
/// as Nomad's agent does (405 `Invalid method` for a known path with the wrong method, 404 with
/// an empty body for an unknown path), and turns ``APIError``s into text/plain responses.
public struct CaravanAPI: HTTPResponder {
    public typealias Context = BasicRequestContext

    let node: ServerNode
    let configuration: APIConfiguration
    let lists = ListEncoder()
    let responses: ResponseCache

    var store: StateStore { node.store }

    /// Whether requests are checked against ACL tokens (the server's `-acl-enabled`).
    var aclEnabled: Bool { node.admission.aclEnabled }

    public init(node: ServerNode, configuration: APIConfiguration = APIConfiguration()) {
        self.node = node
        self.configuration = configuration
        responses = ResponseCache(capacity: node.limits.responseCacheEntries, byteBudget: node.limits.responseCacheBytes)
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        do {
            var response = try await route(request)
            if response.headers[.nomadIndex] != nil {
                let status = node.clusterStatus
                response.headers[.nomadKnownLeader] = status.knownLeader ? "true" : "false"
                response.headers[.nomadLastContact] = String(status.lastContactMilliseconds)
            }
            return response
        } catch let error as APIError {
            return Responses.error(error)
        } catch {
            return Responses.error(.internalError(String(describing: error)))
        }
    }

    private func route(_ request: Request) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/v1/") else { throw APIError.notFound }
        let segments = path.dropFirst(4).split(separator: "/", omittingEmptySubsequences: false).map {
            QueryParameters.percentDecode($0, plusIsSpace: false)
        }
        return try await dispatch(request, path: segments, query: QueryParameters(request.uri.query))
    }

    // MARK: Shared pieces

    /// Runs a read with the request's blocking options. The path and every parameter but
    /// `index`, `wait` and `stale` name the question for the response cache.
    ///
    /// `view` names what the caller may see, for an answer filtered by the caller's ACL (empty
    /// for an unfiltered one): answers for different views are cached apart.
    func blocking(
        _ request: Request, _ query: QueryParameters, view: String = "", _ body: (StateVersion) -> QueryAnswer
    ) async throws -> Response {
        var options = try BlockingOptions(query)
        if !configuration.blockingQueries { options.minIndex = 0 }
        if !options.stale { try await readThroughLeader() }
        var key = request.uri.path + "?" + query.canonical(excluding: ["index", "wait", "stale"])
        if !view.isEmpty { key += "#" + view }
        return try await BlockingQuery(store: store, cache: responses, key: key, parkedLimit: node.limits.parkedQueries).run(options, body)
    }

    /// Decodes the request's JSON body, enforcing the size limit.
    func decodeBody<T: Decodable>(_ request: Request, as type: T.Type) async throws -> T {
        guard let body = try await decodeOptionalBody(request, as: type) else { throw APIError.emptyBody }
        return body
    }

    /// Decodes the request's JSON body, or `nil` for an empty one.
    func decodeOptionalBody<T: Decodable>(_ request: Request, as type: T.Type) async throws -> T? {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: configuration.maxBodySize)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "Request body too large")
        }
        guard buffer.readableBytes > 0 else { return nil }
        let bytes = Array(buffer.readableBytesView)
        if let name = JSONValue.duplicateMemberName(in: bytes) {
            throw APIError.badRequest("Request body names \"\(name)\" twice in one object")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw APIError.badRequest(DecodingErrorText.describe(error))
        }
    }

    /// Checks `command` for the request's caller against this server's state (``Admission``:
    /// validation, then the token's rights), proposes it and waits until it is committed and
    /// applied. A follower forwards it with the caller's token, and the leader checks it again.
    ///
    /// A follower's state may lag the leader's (a namespace or token created a moment ago through
    /// another server): before it refuses a write, it catches up with the leader once and checks
    /// again, so a refusal is the leader's view, or this server's if no leader answers.
    func submit(_ command: Command, _ request: Request, policyOverride: Bool = false) async throws -> AppliedEntry {
        guard !node.isReadOnly else { throw APIError(SubmitError.readOnly) }
        let credentials = WriteCredentials(secret: TokenHeader.secret(of: request.headers), policyOverride: policyOverride)
        do {
            do {
                try node.admission.check(command, credentials: credentials, in: store.state, now: configuration.clock())
            } catch {
                guard !node.clusterStatus.isLeader else { throw error }
                try? await readThroughLeader()
                try node.admission.check(command, credentials: credentials, in: store.state, now: configuration.clock())
            }
            return try await node.submit(command, credentials: credentials)
        } catch let error as AdmissionError {
            throw APIError(error)
        } catch let error as SubmitError {
            throw APIError(error)
        }
    }

    /// Proposes `command` and answers, once it is applied, with an empty 200 (as Nomad answers
    /// the ACL and namespace writes).
    func submitAnsweringEmpty(_ command: Command, _ request: Request) async throws -> Response {
        let applied = try await submit(command, request)
        _ = try applied.result.get()
        return Responses.empty(index: applied.index)
    }

    /// A read without `?stale` answers with the leader's state: on a follower it first catches
    /// up with what the leader had committed (ReadIndex).
    func readThroughLeader() async throws {
        do {
            try await node.readBarrier()
        } catch {
            throw APIError(error)
        }
    }

    /// Who is asking, and what they may do: the request's token resolved against this server's
    /// state. `403 Permission denied` for an unknown token.
    func caller(_ request: Request) async throws -> Caller {
        guard aclEnabled else { return .unrestricted }
        let (token, state) = try await resolveToken(request)
        return Caller(token: token, acl: node.admission.tokens.acl(for: token, in: state), policiesIndex: state.tableIndex(.aclPolicies))
    }

    /// The caller the router resolved for `call`, or the request's own if it resolved none.
    func caller(_ call: RouteCall) async throws -> Caller {
        if let caller = call.caller { return caller }
        return try await caller(call.request)
    }

    /// The request's token, and the state it was found in.
    ///
    /// A write's token is checked once this server has caught up with what the leader had
    /// committed when the write arrived (ReadIndex), so that a route's early checks see what the
    /// leader sees; the leader checks the write again against its own state before proposing it,
    /// so a token deleted there cannot write through a follower in any case. A read is checked
    /// against this server's state, but a token it does not know may have been created moments
    /// ago: it catches up once before refusing it.
    func resolveToken(_ request: Request) async throws -> (ACLToken, StateVersion) {
        let secret = TokenHeader.secret(of: request.headers)
        if request.method != .get { try await readThroughLeader() }
        try await catchUpForUnknownToken(secret)
        let state = store.state
        do {
            return (try node.admission.tokens.token(secret: secret, in: state, now: configuration.clock()), state)
        } catch {
            throw APIError(error)
        }
    }

    /// Catches up with the leader once if ACLs are on and this server does not know `secret`.
    private func catchUpForUnknownToken(_ secret: String) async throws {
        guard aclEnabled, !secret.isEmpty, store.state.aclToken(secretID: secret) == nil else { return }
        try? await readThroughLeader()
    }

    /// The request namespace (`?namespace=`, default `default`).
    func namespace(_ query: QueryParameters) -> String {
        namespace(query, body: nil)
    }

    /// The request namespace of a write whose body may name one (Nomad's embedded
    /// `WriteRequest`): `?namespace=`, else the body's, else `default`.
    func namespace(_ query: QueryParameters, body: String?) -> String {
        for candidate in [query["namespace"], body] { if let candidate, !candidate.isEmpty { return candidate } }
        return "default"
    }
}

/// Turns a `DecodingError` into one line naming the field, as Go's decoder errors do.
enum DecodingErrorText {
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "body" : keys.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context): return "invalid value for \(path(context)): expected \(type)"
        case .valueNotFound(let type, let context): return "missing value for \(path(context)): expected \(type)"
        case .keyNotFound(let key, let context): return "missing field \(key.stringValue) in \(path(context))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "invalid JSON body" : "invalid value for \(path(context))"
        @unknown default: return "invalid request body"
        }
    }
}
