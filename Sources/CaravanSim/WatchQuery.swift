import CaravanModel
import CaravanState

/// A blocking query a simulated long-poll client runs, answered as the HTTP routes answer it:
/// the index it reports (`X-Nomad-Index`), the key it parks on, and what it returns.
enum WatchQuery: Hashable, Sendable, CustomStringConvertible {
    /// `GET /v1/nodes`
    case nodes
    /// `GET /v1/node/:id`
    case node(String)
    /// `GET /v1/plugins?type=csi`
    case plugins
    /// `GET /v1/plugin/csi/:id`
    case plugin(String)

    /// The key the query parks on; every change to its answer changes this key.
    var key: WatchKey {
        switch self {
        case .nodes: .table(.nodes)
        case .node(let id): .node(id)
        case .plugins: .table(.plugins)
        case .plugin(let id): .plugin(id)
        }
    }

    /// The index the answer reports: the object's modify index, or the table's index for lists
    /// and for an object that does not exist.
    func index(in state: StateVersion) -> UInt64 {
        switch self {
        case .nodes: state.tableIndex(.nodes)
        case .node(let id): state.node(id: id)?.modifyIndex ?? state.tableIndex(.nodes)
        case .plugins: state.tableIndex(.plugins)
        case .plugin(let id): state.pluginModifyIndex(id: id) ?? state.tableIndex(.plugins)
        }
    }

    /// What the answer shows.
    func view(of state: StateVersion) -> QueryView {
        switch self {
        case .nodes: .list(state.nodes().map { QueryView.Stub(id: $0.id, modifyIndex: $0.modifyIndex) })
        case .node(let id): .node(state.node(id: id))
        case .plugins: .list(state.pluginIDs().map { QueryView.Stub(id: $0, modifyIndex: state.pluginModifyIndex(id: $0) ?? 0) })
        case .plugin(let id): .plugin(state.pluginSummary(id: id))
        }
    }

    var description: String {
        switch self {
        case .nodes: "/v1/nodes"
        case .node(let id): "/v1/node/\(id)"
        case .plugins: "/v1/plugins"
        case .plugin(let id): "/v1/plugin/csi/\(id)"
        }
    }
}

/// The body of a blocking query's answer, reduced to what a watcher compares.
enum QueryView: Equatable, Sendable {
    /// A list: each object's ID and modify index.
    case list([Stub])
    case node(Node?)
    /// A plugin's counts of healthy and expected instances, its jobs and its indexes.
    case plugin(CSIPluginSummary?)

    struct Stub: Equatable, Sendable {
        let id: String
        let modifyIndex: UInt64
    }
}
