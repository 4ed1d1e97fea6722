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
        return try await blocking(request, query) { state in
            let index = state.tableIndex(.nodes)
            return QueryAnswer(index: index, watch: [.table(.nodes)]) {
                let bytes = lists.nodeStubs(state, prefix: prefix)
                return Responses.json(bytes, index: index)
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
        guard !node.id.isEmpty else { throw APIError.badRequest("missing node ID for client registration") }
        guard !node.secretID.isEmpty else { throw APIError.badRequest("missing secret ID for client registration") }
        node.canonicalize()
        guard Node.statuses.contains(node.status) else { throw APIError.badRequest("invalid status for node") }
        guard Node.eligibilities.contains(node.schedulingEligibility) else {
            throw APIError.badRequest("invalid scheduling eligibility for node")
        }
        for (id, info) in Array(node.csiControllerPlugins) + Array(node.csiNodePlugins) {
            guard !id.isEmpty, info.pluginID.isEmpty || info.pluginID == id else {
                throw APIError.badRequest("CSI plugin fingerprint \"\(id)\" names plugin \"\(info.pluginID)\"")
            }
        }
        if let existing = store.snapshot.node(id: node.id), !existing.secretID.isEmpty, existing.secretID != node.secretID {
            throw APIError.badRequest(StateError.nodeSecretMismatch(node.id).description)
        }
        let applied = try await submit(.nodeRegister(NodeRegistration(node: node, time: configuration.clock())))
        guard case .nodeRegistered(let modifyIndex) = try applied.result.get() else { throw APIError.internalError("unexpected outcome") }
        return Responses.json(Self.nodeReply(modifyIndex: modifyIndex, index: applied.index), index: applied.index)
    }

    /// `PUT /v1/node/:id/status`.
    func updateNodeStatus(id: String, _ request: Request) async throws -> Response {
        let body = try await decodeBody(request, as: NodeStatusRequest.self)
        guard let status = body.status, Node.statuses.contains(status) else {
            throw APIError.badRequest("invalid status for node")
        }
        guard store.snapshot.node(id: id) != nil else { throw APIError(.notFound, "node not found") }
        let applied = try await submit(.nodeStatusUpdate(NodeStatusUpdate(nodeID: id, status: status, time: configuration.clock())))
        guard case .nodeUpdated(let modifyIndex) = try applied.result.get() else { throw APIError.internalError("unexpected outcome") }
        return Responses.json(Self.nodeReply(modifyIndex: modifyIndex, index: applied.index), index: applied.index)
    }

    /// `PUT|POST /v1/node/:id/purge`.
    func purgeNode(id: String) async throws -> Response {
        guard store.snapshot.node(id: id) != nil else { throw APIError(.notFound, "node not found") }
        let applied = try await submit(.nodeDeregister(NodeDeregistration(nodeID: id, time: configuration.clock())))
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
