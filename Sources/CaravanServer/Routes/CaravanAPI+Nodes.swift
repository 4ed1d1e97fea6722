import CaravanModel
import CaravanState
import Hummingbird

/// The body of `PUT /v1/node/register` (Nomad's `NodeRegisterRequest`, an RPC in Nomad).
struct NodeRegisterRequest: Decodable {
    var node: Node?

    enum CodingKeys: String, CodingKey { case node = "Node" }
}

/// The body of `PUT /v1/node/:id/status`.
struct NodeStatusRequest: Decodable {
    var status: String?

    enum CodingKeys: String, CodingKey { case status = "Status" }
}

extension CaravanAPI {
    /// `GET /v1/nodes?prefix=`.
    func listNodes(_ request: Request, _ query: QueryParameters) async throws -> Response {
        let prefix = query["prefix"] ?? ""
        let selection = try ListSelection(query)
        return try await blocking(request, query) { state in
            let index = state.tableIndex(.nodes)
            return QueryAnswer(index: index, watch: [.table(.nodes)]) {
                guard !selection.selectsEverything else { return Responses.json(lists.nodeStubs(state, prefix: prefix), index: index) }
                let token = selection.paging.nextToken
                let nodes = state.nodes(prefix: prefix).suffix { $0.id >= token }
                return selection.answer(nodes, index: index, token: \.id, datum: { $0 }, entry: NodeListStub.init)
            }
        }
    }

    /// `GET /v1/node/:id`.
    func readNode(id: String, _ request: Request, _ query: QueryParameters) async throws -> Response {
        try await blocking(request, query) { state in
            guard let node = state.node(id: id) else {
                let index = state.tableIndex(.nodes)
                return QueryAnswer(index: index, watch: [.node(id)]) {
                    Responses.error(APIError(.notFound, "node not found"), index: index)
                }
            }
            return QueryAnswer(index: node.modifyIndex, watch: [.node(id)]) {
                Responses.json(node, index: node.modifyIndex)
            }
        }
    }

    /// `PUT /v1/node/register`: a client node registers, or re-registers with a new fingerprint.
    func registerNode(_ request: Request) async throws -> Response {
        let body = try await decodeBody(request, as: NodeRegisterRequest.self)
        guard var node = body.node else { throw APIError.badRequest("missing node for client registration") }
        node.canonicalize()
        let applied = try await submit(.nodeRegister(NodeRegistration(node: node, time: configuration.clock())), request)
        guard case .nodeRegistered(let modifyIndex) = try applied.result.get() else { throw APIError.internalError("unexpected outcome") }
        return Responses.json(Self.nodeReply(modifyIndex: modifyIndex, index: applied.index), index: applied.index)
    }

    /// `PUT /v1/node/:id/status`.
    func updateNodeStatus(id: String, _ request: Request) async throws -> Response {
        let body = try await decodeBody(request, as: NodeStatusRequest.self)
        guard let status = body.status else { throw APIError.badRequest("invalid status for node") }
        let applied = try await submit(.nodeStatusUpdate(NodeStatusUpdate(nodeID: id, status: status, time: configuration.clock())), request)
        guard case .nodeUpdated(let modifyIndex) = try applied.result.get() else { throw APIError.internalError("unexpected outcome") }
        return Responses.json(Self.nodeReply(modifyIndex: modifyIndex, index: applied.index), index: applied.index)
    }

    /// `PUT|POST /v1/node/:id/purge`.
    func purgeNode(id: String, _ request: Request) async throws -> Response {
        let applied = try await submit(.nodeDeregister(NodeDeregistration(nodeID: id, time: configuration.clock())), request)
        _ = try applied.result.get()
        return Responses.json(Self.nodeReply(modifyIndex: applied.index, index: applied.index), index: applied.index)
    }

    static func nodeReply(modifyIndex: UInt64, index: UInt64) -> WriteReply {
        WriteReply(
            fields: [
                ("EvalIDs", .null), ("EvalCreateIndex", .int(0)), ("NodeModifyIndex", .int(Int64(modifyIndex))),
                ("HeartbeatTTL", .int(0)),
            ],
            index: index
        )
    }
}
