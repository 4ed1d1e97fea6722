import CaravanACL
import CaravanModel
import CaravanState
import Hummingbird

// The draft API's CSI plugin routes, in its shapes.
extension CaravanAPI {
    /// `GET /v1/csi/plugins`: every plugin, with `JobIDs` (namespace → jobs that run it) in the
    /// namespaces the caller may list jobs in. Needs `list-jobs` in the request namespace.
    func listCSIPlugins(_ call: RouteCall) async throws -> Response {
        let (request, query) = (call.request, call.query)
        let caller = try await caller(call)
        return try await blocking(request, query, view: caller.view) { state in
            let index = state.tableIndex(.plugins)
            return QueryAnswer(index: index, watch: [.table(.plugins)]) {
                let visible = caller.visibility(.listJobs)
                return Responses.json(lists.pluginListViews(state, ids: lists.pluginIDs(state), wholeTable: true, visible: visible), index: index)
            }
        }
    }

    /// `GET /v1/csi/jobs?plugin_id=`: the plugins that have jobs the caller may list (optionally
    /// just one). Needs `list-jobs` in the request namespace.
    func listCSIPluginJobs(_ call: RouteCall) async throws -> Response {
        let (request, query) = (call.request, call.query)
        let caller = try await caller(call)
        let pluginID = query["plugin_id"].flatMap { $0.isEmpty ? nil : $0 }
        return try await blocking(request, query, view: caller.view) { state in
            let index = state.tableIndex(.plugins)
            return QueryAnswer(index: index, watch: [.table(.plugins)]) {
                let visible = caller.visibility(.listJobs)
                let candidates = pluginID.map { state.pluginModifyIndex(id: $0) == nil ? [] : [$0] } ?? lists.pluginIDs(state)
                let ids = candidates.filter { id in
                    guard let visible else { return state.pluginHasJobs(id: id) }
                    return state.pluginSummary(id: id)?.jobIDs.keys.contains(where: visible) ?? false
                }
                return Responses.json(lists.pluginListViews(state, ids: ids, wholeTable: false, visible: visible), index: index)
            }
        }
    }

    /// `GET /v1/csi/plugin/:id`: an array of one plugin; `Jobs` lists the request namespace's
    /// jobs that run it. Its index and wakeups cover the plugin and those jobs. Needs the draft API's
    /// `submit-job` in the request namespace, and `sentinel-override` with `?policy_override=true`.
    func readCSIPlugin(id: String, _ request: Request, _ query: QueryParameters) async throws -> Response {
        let requested = namespace(query)
        let caller = try await caller(request)
        try caller.require(.submitJob, inNamespace: requested)
        if let text = query["policy_override"] {
            guard let policyOverride = GoValues.bool(text) else { throw APIError.badRequest("invalid policy_override value") }
            if policyOverride { try caller.require(.sentinelOverride, inNamespace: requested) }
        }
        return try await blocking(request, query) { state in
            guard let plugin = state.plugin(id: id) else {
                let index = state.tableIndex(.plugins)
                return QueryAnswer(index: index, watch: [.plugin(id)]) {
                    Responses.error(APIError(.notFound, "plugin not found"), index: index)
                }
            }
            let jobs = state.jobsRunningPlugin(id: id, namespace: requested)
            var index = plugin.summary.modifyIndex
            var watch: Set<WatchKey> = [.plugin(id)]
            for entry in jobs {
                index = max(index, entry.job.modifyIndex, entry.summary?.modifyIndex ?? 0)
                watch.insert(.job(JobKey(namespace: entry.job.namespace, id: entry.job.id)))
            }
            return QueryAnswer(index: index, watch: watch) {
                Responses.json([PluginDetailView(plugin, namespace: requested, jobs: jobs)], index: index)
            }
        }
    }
}
