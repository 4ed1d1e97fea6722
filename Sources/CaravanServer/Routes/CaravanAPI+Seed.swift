import CaravanModel
import CaravanState
import Hummingbird

// The seed draft's routes, in the seed's shapes.
extension CaravanAPI {
    /// `GET /v1/csi/plugins`: every plugin, with `JobIDs` (namespace → jobs that run it).
    func listSeedPlugins(_ request: Request, _ query: QueryParameters) async throws -> Response {
        try await blocking(request, query) { state in
            let index = state.tableIndex(.plugins)
            return QueryAnswer(index: index, watch: [.table(.plugins)]) {
                Responses.json(lists.seedPluginStubs(state, ids: lists.pluginIDs(state), wholeTable: true), index: index)
            }
        }
    }

    /// `GET /v1/csi/jobs?plugin_id=`: the plugins that have jobs (optionally just one).
    func listSeedPluginJobs(_ request: Request, _ query: QueryParameters) async throws -> Response {
        let pluginID = query["plugin_id"].flatMap { $0.isEmpty ? nil : $0 }
        return try await blocking(request, query) { state in
            let index = state.tableIndex(.plugins)
            return QueryAnswer(index: index, watch: [.table(.plugins)]) {
                let candidates = pluginID.map { state.pluginModifyIndex(id: $0) == nil ? [] : [$0] } ?? lists.pluginIDs(state)
                let ids = candidates.filter { state.pluginHasJobs(id: $0) }
                return Responses.json(lists.seedPluginStubs(state, ids: ids, wholeTable: false), index: index)
            }
        }
    }

    /// `GET /v1/csi/plugin/:id`: an array of one plugin; `Jobs` lists the request namespace's
    /// jobs that run it. Its index and wakeups cover the plugin and those jobs.
    func readSeedPlugin(id: String, _ request: Request, _ query: QueryParameters) async throws -> Response {
        let requested = namespace(query)
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
                Responses.json([SeedPluginDetail(plugin, namespace: requested, jobs: jobs)], index: index)
            }
        }
    }
}
