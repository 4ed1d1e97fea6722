import CaravanModel
import CaravanState
import Hummingbird

extension CaravanAPI {
    /// `GET /v1/plugins?type=csi&prefix=`: no `type` gives `[]`, another type an empty body.
    func listPlugins(_ request: Request, _ query: QueryParameters) async throws -> Response {
        let type = query["type"]
        let prefix = query["prefix"] ?? ""
        let selection = try ListSelection(query)
        return try await blocking(request, query) { state in
            let index = state.tableIndex(.plugins)
            return QueryAnswer(index: index, watch: [.table(.plugins)]) {
                guard let type else { return Responses.json(Array("[]".utf8), index: index) }
                guard type == "csi" else { return Responses.empty(index: index) }
                guard !selection.selectsEverything else { return Responses.json(lists.pluginStubs(state, prefix: prefix), index: index) }
                let token = selection.paging.nextToken
                let ids = state.pluginIDs(prefix: prefix).suffix { $0 >= token }
                return selection.answer(ids, index: index, token: { $0 }, datum: { state.plugin(id: $0)! }) {
                    CSIPluginListStub(state.pluginSummary(id: $0)!)
                }
            }
        }
    }

    /// `GET /v1/plugin/csi/:id`: the plugin in Nomad's shape.
    func readPlugin(id: String, _ request: Request, _ query: QueryParameters) async throws -> Response {
        try await blocking(request, query) { state in
            guard let modifyIndex = state.pluginModifyIndex(id: id) else {
                let index = state.tableIndex(.plugins)
                return QueryAnswer(index: index, watch: [.plugin(id)]) {
                    Responses.error(APIError(.notFound, "plugin not found"), index: index)
                }
            }
            return QueryAnswer(index: modifyIndex, watch: [.plugin(id)]) {
                Responses.json(state.plugin(id: id)!, index: modifyIndex)
            }
        }
    }
}
