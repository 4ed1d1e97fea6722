import CaravanModel
import CaravanState

/// A blocking query a simulated long-poll client runs, answered as the HTTP routes answer it:
/// the index it reports (`X-Nomad-Index`), the keys it parks on, and what it returns.
enum WatchQuery: Hashable, Sendable, CustomStringConvertible {
    /// `GET /v1/nodes`
    case nodes
    /// `GET /v1/node/:id`
    case node(String)
    /// `GET /v1/plugins?type=csi`
    case plugins
    /// `GET /v1/plugin/csi/:id`
    case plugin(String)
    /// `GET /v1/volumes?type=csi&namespace=*`
    case volumes
    /// `GET /v1/volume/csi/:id?namespace=NS`
    case volume(VolumeKey)

    /// The keys the query parks on in `state`, as its route names them: a change to any of them
    /// may change the answer. A volume that exists is watched with its plugin.
    func keys(in state: StateVersion) -> [WatchKey] {
        guard case .volume(let key) = self else { return dependencies }
        if let volume = state.volume(namespace: key.namespace, id: key.id) { return [.volume(key), .plugin(volume.pluginID)] }
        return [.volume(key)]
    }

    /// Every key whose change may change the answer, whatever the state: what the committed
    /// history records the answer after. A volume's plugin may be any plugin, so the plugins
    /// table stands for it.
    var dependencies: [WatchKey] {
        switch self {
        case .nodes: [.table(.nodes)]
        case .node(let id): [.node(id)]
        case .plugins: [.table(.plugins)]
        case .plugin(let id): [.plugin(id)]
        case .volumes: [.table(.volumes)]
        case .volume(let key): [.volume(key), .table(.plugins)]
        }
    }

    /// The index the answer reports: the object's modify index, or the table's index for lists
    /// and for an object that does not exist. A volume's is the later of its own and its
    /// plugin's (the plugin-set index once the plugin is gone).
    func index(in state: StateVersion) -> UInt64 {
        switch self {
        case .nodes: state.tableIndex(.nodes)
        case .node(let id): state.node(id: id)?.modifyIndex ?? state.tableIndex(.nodes)
        case .plugins: state.tableIndex(.plugins)
        case .plugin(let id): state.pluginModifyIndex(id: id) ?? state.tableIndex(.plugins)
        case .volumes: state.tableIndex(.volumes)
        case .volume(let key):
            if let volume = state.volume(namespace: key.namespace, id: key.id) {
                max(volume.modifyIndex, state.pluginModifyIndex(id: volume.pluginID) ?? state.pluginSetIndex)
            } else {
                state.tableIndex(.volumes)
            }
        }
    }

    /// What the answer shows.
    func view(of state: StateVersion) -> QueryView {
        switch self {
        case .nodes: .list(state.nodes().map { QueryView.Stub(id: $0.id, modifyIndex: $0.modifyIndex) })
        case .node(let id): .node(state.node(id: id))
        case .plugins: .list(state.pluginIDs().map { QueryView.Stub(id: $0, modifyIndex: state.pluginModifyIndex(id: $0) ?? 0) })
        case .plugin(let id): .plugin(state.pluginSummary(id: id))
        case .volumes:
            .list(state.volumes(namespace: nil).map { QueryView.Stub(id: "\($0.namespace)/\($0.id)", modifyIndex: $0.modifyIndex) })
        case .volume(let key):
            if let volume = state.volume(namespace: key.namespace, id: key.id) {
                .volume(volume, state.pluginSummary(id: volume.pluginID))
            } else {
                .volume(nil, nil)
            }
        }
    }

    var description: String {
        switch self {
        case .nodes: "/v1/nodes"
        case .node(let id): "/v1/node/\(id)"
        case .plugins: "/v1/plugins"
        case .plugin(let id): "/v1/plugin/csi/\(id)"
        case .volumes: "/v1/volumes?type=csi&namespace=*"
        case .volume(let key): "/v1/volume/csi/\(key.id)?namespace=\(key.namespace)"
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
    /// A volume as stored, with the plugin it is shown with (both nil: not found).
    case volume(CSIVolume?, CSIPluginSummary?)

    struct Stub: Equatable, Sendable {
        let id: String
        let modifyIndex: UInt64
    }
}
