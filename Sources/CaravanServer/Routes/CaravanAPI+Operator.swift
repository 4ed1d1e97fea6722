import CaravanConfig
import CaravanCore
import CaravanAdmission
import CaravanModel
import CaravanRaft
import Hummingbird

/// `/v1/status/*` and `/v1/operator/raft/*`: who leads, who the peers are, and membership changes.
extension CaravanAPI {
    /// `GET /v1/status/leader`: the leader's raft address as a JSON string, `""` when none is known.
    func statusLeader() -> Response {
        let status = node.clusterStatus
        return Responses.json(JSONValue.string(status.leader.map(rpcAddress) ?? ""), index: status.appliedIndex)
    }

    /// `GET /v1/status/peers`: the voters' raft addresses.
    func statusPeers() -> Response {
        let status = node.clusterStatus
        let peers = status.configuration.servers.filter(\.isVoter).map { JSONValue.string(rpcAddress($0)) }
        return Responses.json(JSONValue.array(peers), index: status.appliedIndex)
    }

    /// `GET /v1/operator/raft/configuration`, in Nomad's shape.
    func raftConfiguration() -> Response {
        let status = node.clusterStatus
        let servers = status.configuration.servers.map { server -> JSONValue in
            .object([
                "Address": .string(rpcAddress(server)),
                "ID": .string(server.name),
                "Leader": .bool(server.id == status.leader?.id),
                "Node": .string(server.name),
                "RaftProtocol": .string("3"),
                "Voter": .bool(server.isVoter),
            ])
        }
        let body: JSONValue = .object(["Index": .int(Int64(status.commitIndex)), "Servers": .array(servers)])
        return Responses.json(body, index: status.appliedIndex)
    }

    /// `DELETE /v1/operator/raft/peer?id=` (or `?address=`): removes a server.
    func removePeer(_ query: QueryParameters, _ request: Request) async throws -> Response {
        let server = try member(query)
        do {
            try await node.changeMembership(.remove(server.id), credentials: credentials(request))
        } catch {
            throw APIError(error)
        }
        return Responses.empty(index: node.clusterStatus.appliedIndex)
    }

    /// `PUT /v1/operator/raft/peer?id=NAME&address=RAFT&http_address=HTTP`: adds a server as a
    /// non-voter; the leader promotes it once it has caught up. (Caravan's: Nomad adds servers
    /// through gossip; a server started with `-join` is added the same way automatically.)
    func addPeer(_ query: QueryParameters, _ request: Request) async throws -> Response {
        guard let name = query["id"], !name.isEmpty else { throw APIError.badRequest("missing id") }
        guard let address = query["address"], AgentSettings.parseAddress(address) != nil else {
            throw APIError.badRequest("missing or invalid address (HOST:PORT of the server's raft transport)")
        }
        let server = Server(
            id: Server.id(named: name), name: name, raftAddress: address, httpAddress: query["http_address"] ?? "", isVoter: false)
        do {
            try await node.changeMembership(.addNonvoter(server), credentials: credentials(request))
        } catch {
            throw APIError(error)
        }
        return Responses.empty(index: node.clusterStatus.appliedIndex)
    }

    /// `PUT /v1/operator/raft/transfer-leadership?id=` (or `?address=`).
    func transferLeadership(_ query: QueryParameters, _ request: Request) async throws -> Response {
        let server = try member(query)
        do {
            try await node.transferLeadership(to: server.id, credentials: credentials(request))
        } catch {
            throw APIError(error)
        }
        return Responses.empty(index: node.clusterStatus.appliedIndex)
    }

    /// The request's token, for the leader to check `operator:write` again if this server forwards.
    private func credentials(_ request: Request) -> WriteCredentials {
        WriteCredentials(secret: TokenHeader.secret(of: request.headers))
    }

    /// A server's raft address; a server without peers (it has none) reports the configured RPC
    /// address, as Nomad `-dev` does.
    private func rpcAddress(_ server: Server) -> String {
        server.raftAddress.isEmpty ? configuration.leaderAddress : server.raftAddress
    }

    /// The configuration member that `?id=` (its name) or `?address=` names.
    private func member(_ query: QueryParameters) throws -> Server {
        let servers = node.clusterStatus.configuration.servers
        if let name = query["id"], !name.isEmpty {
            guard let server = servers.first(where: { $0.name == name || String($0.id) == name }) else {
                throw APIError.badRequest("no server with id \(name) in the raft configuration")
            }
            return server
        }
        if let address = query["address"], !address.isEmpty {
            guard let server = servers.first(where: { $0.raftAddress == address }) else {
                throw APIError.badRequest("no server with address \(address) in the raft configuration")
            }
            return server
        }
        throw APIError.badRequest("Must specify either ?id with the server's ID or ?address with IP:port of peer to remove")
    }
}
