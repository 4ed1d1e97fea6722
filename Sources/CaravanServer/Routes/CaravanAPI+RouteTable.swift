import CaravanACL
import CaravanState
import HTTPTypes
import Hummingbird

/// Every route Caravan serves: its methods, its path, what its caller must be allowed, and who
/// answers. The router applies Nomad's rules once from it: a path no row names is `404` with an
/// empty body; a path a row names, asked with a method no row of that path takes, is
/// `405 Invalid method`; then `400 ACL support disabled` for an ACL route while ACLs are off;
/// then the requirement (`403 Permission denied`); then the handler. Rows for one path are
/// consecutive, and the first path that matches wins (`node/register` before `node/:`).
/// `RouteTableTests` checks the requirement column against testdata/acl/route-matrix.txt.
extension CaravanAPI {
    static let routes: [Route] = [
        // Jobs.
        Route([.get], "jobs", .namespace([[.listJobs]])) { api, call in try await api.listJobs(call) },
        Route([.put, .post], "jobs", .checkedByHandler(["ns:submit-job|ns:register-job"])) { api, call in
            try await api.registerJob(call.request, query: call.query, pathID: nil)
        },
        Route([.get], "job/:", .namespace([[.readJob], [.csiAccess]])) { api, call in
            try await api.readJob(id: call.parameters[0], call.request, call.query)
        },
        Route([.put, .post], "job/:", .checkedByHandler(["ns:submit-job|ns:register-job"])) { api, call in
            try await api.registerJob(call.request, query: call.query, pathID: call.parameters[0])
        },
        Route([.delete], "job/:", .checkedByHandler(["ns:submit-job|ns:deregister-job", "ns:submit-job|ns:purge-job"])) { api, call in
            try await api.deregisterJob(id: call.parameters[0], call.request, call.query)
        },

        // Nodes, and the client seam.
        Route([.get], "nodes", .node(.read)) { api, call in try await api.listNodes(call.request, call.query) },
        Route([.put, .post], "node/register", .node(.write)) { api, call in try await api.registerNode(call.request) },
        Route([.get], "node/:", .node(.read)) { api, call in try await api.readNode(id: call.parameters[0], call.request, call.query) },
        Route([.put, .post], "node/:/purge", .node(.write)) { api, call in try await api.purgeNode(id: call.parameters[0], call.request) },
        Route([.put, .post], "node/:/status", .node(.write)) { api, call in
            try await api.updateNodeStatus(id: call.parameters[0], call.request)
        },

        // Plugins, Nomad's shapes. Anything else under plugin/csi is `404 resource not found`.
        Route([.get], "plugins", .plugin(.list)) { api, call in try await api.listPlugins(call.request, call.query) },
        Route([.get], "plugin/csi/:/*", .plugin(.read)) { api, call in try await api.readPlugin(id: call.parameters[0], call.request, call.query) },
        Route([], "plugin/csi/**", .none) { _, _ in throw APIError.resourceNotFound },

        // Volumes, Nomad's routes (its path table for volume/csi), and the claim seam.
        Route([.get], "volumes", .namespace([CaravanAPI.volumeListCapabilities])) { api, call in
            try await api.listVolumes(call)
        },
        Route([.put, .post], "volumes", .checkedByHandler(["plugin:read+ns:csi-write-volume"])) { api, call in
            try await api.registerVolumes(call.request, call.query)
        },
        Route([.get], "volumes/external", .namespace([CaravanAPI.volumeListCapabilities])) { _, _ in
            throw CaravanAPI.needsControllerPlugin
        },
        Route([.get], "volumes/snapshot", .namespace([CaravanAPI.volumeListCapabilities])) { _, _ in
            throw CaravanAPI.needsControllerPlugin
        },
        Route([.put, .post, .delete], "volumes/snapshot", .all([.plugin(.read), .namespace([[.csiWriteVolume]])])) { _, _ in
            throw CaravanAPI.needsControllerPlugin
        },
        Route([.get], "volume/csi/:", .namespace([[.csiReadVolume, .csiMountVolume, .readJob]])) { api, call in
            try await api.readVolume(id: call.parameters[0], call.request, call.query)
        },
        Route([.put], "volume/csi/:", .checkedByHandler(["plugin:read+ns:csi-write-volume"])) { api, call in
            try await api.registerVolumes(call.request, call.query)
        },
        Route([.delete], "volume/csi/:", .namespace([[.csiWriteVolume]])) { api, call in
            try await api.deregisterVolume(id: call.parameters[0], call.request, call.query)
        },
        Route([.put], "volume/csi/:/claim", .all([.plugin(.read), .namespace([[.csiMountVolume]])])) { api, call in
            try await api.claimVolume(id: call.parameters[0], call.request, call.query)
        },
        Route([.delete], "volume/csi/:/detach", .all([.plugin(.read), .namespace([[.csiMountVolume]])])) { api, call in
            try await api.detachVolume(id: call.parameters[0], call.request, call.query)
        },
        Route([.put], "volume/csi/:/create", .all([.plugin(.read), .namespace([[.csiWriteVolume]])])) { _, _ in
            throw CaravanAPI.needsControllerPlugin
        },
        Route([.delete], "volume/csi/:/delete", .all([.plugin(.read), .namespace([[.csiWriteVolume]])])) { _, _ in
            throw CaravanAPI.needsControllerPlugin
        },
        Route([.put, .delete], "volume/csi/:/:", .none) { _, _ in throw APIError.resourceNotFound },
        Route([], "volume/csi/:/:/**", .none) { _, _ in throw APIError.resourceNotFound },

        // The draft API's routes.
        Route([.get], "csi/plugins", .namespace([[.listJobs]])) { api, call in try await api.listCSIPlugins(call) },
        Route([.get], "csi/jobs", .namespace([[.listJobs]])) { api, call in try await api.listCSIPluginJobs(call) },
        Route([.get], "csi/plugin/:", .checkedByHandler(["ns:submit-job"])) { api, call in
            try await api.readCSIPlugin(id: call.parameters[0], call.request, call.query)
        },

        // ACLs.
        Route([.put, .post], "acl/bootstrap", .none, requiresACLs: true) { api, call in try await api.bootstrapACL(call.request) },
        Route([.get], "acl/policies", .checkedByHandler(["-"]), requiresACLs: true) { api, call in
            try await api.listACLPolicies(try await api.caller(call.request), call.request, call.query)
        },
        Route([.get], "acl/policy/:", .checkedByHandler(["holder"]), requiresACLs: true) { api, call in
            try await api.readACLPolicy(name: call.parameters[0], try await api.caller(call.request), call.request, call.query)
        },
        Route([.put, .post], "acl/policy/:", .management, requiresACLs: true) { api, call in
            try await api.upsertACLPolicy(name: call.parameters[0], call.request)
        },
        Route([.delete], "acl/policy/:", .management, requiresACLs: true) { api, call in
            try await api.submitAnsweringEmpty(.aclPolicyDelete([call.parameters[0]]), call.request)
        },
        Route([.get], "acl/tokens", .management, requiresACLs: true) { api, call in try await api.listACLTokens(call.request, call.query) },
        Route([.put, .post], "acl/token", .management, requiresACLs: true) { api, call in
            try await api.upsertACLToken(accessorID: nil, call.request)
        },
        Route([.get], "acl/token/self", .checkedByHandler(["-"]), requiresACLs: true) { api, call in try await api.readOwnToken(call.request) },
        Route([.get], "acl/token/:", .checkedByHandler(["own-token"]), requiresACLs: true) { api, call in
            try await api.readACLToken(accessorID: call.parameters[0], try await api.caller(call.request), call.request, call.query)
        },
        Route([.put, .post], "acl/token/:", .management, requiresACLs: true) { api, call in
            try await api.upsertACLToken(accessorID: call.parameters[0], call.request)
        },
        Route([.delete], "acl/token/:", .management, requiresACLs: true) { api, call in
            try await api.submitAnsweringEmpty(.aclTokenDelete([call.parameters[0]]), call.request)
        },

        // Namespaces.
        Route([.get], "namespaces", .checkedByHandler(["-"])) { api, call in try await api.listNamespaces(call.request, call.query) },
        Route([.get], "namespace/:", .checkedByHandler(["ns-any:<the namespace>"])) { api, call in
            try await api.readNamespace(name: call.parameters[0], call.request, call.query)
        },
        Route([.put, .post], "namespace/:", .management) { api, call in try await api.upsertNamespace(name: call.parameters[0], call.request) },
        Route([.delete], "namespace/:", .management) { api, call in try await api.deleteNamespace(name: call.parameters[0], call.request) },

        // Status, operator, agent, and this API's description.
        Route([.get], "status/leader", .none) { api, _ in api.statusLeader() },
        Route([.get], "status/peers", .none) { api, _ in api.statusPeers() },
        Route([.get], "operator/raft/configuration", .operator(.read)) { api, _ in api.raftConfiguration() },
        Route([.delete], "operator/raft/peer", .operator(.write)) { api, call in try await api.removePeer(call.query, call.request) },
        Route([.put, .post], "operator/raft/peer", .operator(.write)) { api, call in try await api.addPeer(call.query, call.request) },
        Route([.put, .post], "operator/raft/transfer-leadership", .operator(.write)) { api, call in
            try await api.transferLeadership(call.query, call.request)
        },
        Route([.get], "agent/self", .agent(.read)) { api, _ in await api.agentSelf() },
        Route([.get], "openapi.yaml", .none) { api, _ in api.openAPIDocument() },

        // The event stream: each topic asked for has its requirement, in each namespace asked for.
        Route([.get], "event/stream", .checkedByHandler(["node:read", "ns:read-job", "ns:csi-read-volume", "management"])) { api, call in
            try await api.eventStream(call)
        },
    ]

    /// The rows of `routes` by their path's first segment, in table order.
    static let routesByFirstSegment: [String: [Route]] = Dictionary(grouping: routes) { route in
        if case .literal(let first) = route.pattern.segments.first { return first }
        return ""
    }

    /// Finds the route for `path` (the decoded segments after `/v1/`) and `method`, checks what
    /// it requires, and runs its handler.
    func dispatch(_ request: Request, path: [String], query: QueryParameters) async throws -> Response {
        let candidates = Self.routesByFirstSegment[path.first ?? ""] ?? []
        guard let (matched, parameters) = candidates.lazy.compactMap({ route in route.pattern.match(path).map { (route, $0) } }).first
        else { throw APIError.notFound }
        let method = request.method
        guard let route = candidates.first(where: { $0.pattern == matched.pattern && ($0.methods.isEmpty || $0.methods.contains(method)) })
        else { throw APIError.invalidMethod }
        if route.requiresACLs, !aclEnabled { throw APIError.aclDisabled }
        var caller: Caller?
        switch route.requirement {
        case .none, .checkedByHandler:
            break
        default:
            let resolved = try await self.caller(request)
            guard route.requirement.allows(resolved, inNamespace: namespace(query)) == true else { throw APIError.permissionDenied }
            caller = resolved
        }
        return try await route.handler(self, RouteCall(request: request, query: query, parameters: parameters, caller: caller))
    }
}
