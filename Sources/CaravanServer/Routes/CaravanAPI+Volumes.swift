import CaravanACL
import CaravanModel
import CaravanState
import HTTPTypes
import Hummingbird

/// The body of a volume registration (`CSIVolumeRegisterRequest`).
struct VolumeRegisterRequest: Decodable {
    var volumes: [CSIVolume]?
    var policyOverride: Bool?
    var namespace: String?

    enum CodingKeys: String, CodingKey {
        case volumes = "Volumes"
        case policyOverride = "PolicyOverride"
        case namespace = "Namespace"
    }
}

/// The body of the claim seam, `PUT /v1/volume/csi/:id/claim` (Nomad's `CSIVolumeClaimRequest`,
/// an RPC from its clients).
struct VolumeClaimRequest: Decodable {
    var allocationID: String?
    var nodeID: String?
    var externalNodeID: String?
    var claim: Int?
    var accessMode: String?
    var attachmentMode: String?
    var state: Int?
    var namespace: String?

    enum CodingKeys: String, CodingKey {
        case allocationID = "AllocationID"
        case nodeID = "NodeID"
        case externalNodeID = "ExternalNodeID"
        case claim = "Claim"
        case accessMode = "AccessMode"
        case attachmentMode = "AttachmentMode"
        case state = "State"
        case namespace = "Namespace"
    }
}

// Nomad's CSI volume routes, and the claim seam that stands for its clients' claim RPC.
extension CaravanAPI {
    /// `GET /v1/volumes?type=csi`: no `type` answers `[]`, `host` (host volumes, which Caravan
    /// does not keep) `[]`, any other type 404.
    func listVolumes(_ call: RouteCall) async throws -> Response {
        let (request, query) = (call.request, call.query)
        switch query["type"] {
        case nil, "host": return Responses.json(Array("[]".utf8), index: store.state.tableIndex(.volumes))
        case "csi": break
        default: throw APIError.resourceNotFound
        }
        let caller = try await caller(call)
        let requested = namespace(query)
        let prefix = query["prefix"] ?? ""
        let pluginID = query["plugin_id"].flatMap { $0.isEmpty ? nil : $0 }
        let nodeID = query["node_id"].flatMap { $0.isEmpty ? nil : $0 }
        let selection = try ListSelection(query)
        return try await blocking(request, query, view: requested == "*" ? caller.view : "") { state in
            let index = state.tableIndex(.volumes)
            return QueryAnswer(index: index, watch: [.table(.volumes)]) {
                let visible = requested == "*" ? caller.visibility(anyOf: Self.volumeListCapabilities) : nil
                let start = selection.paging.namespacedToken.map { VolumeKey(namespace: $0.namespace, id: $0.id) }
                let views = state.volumes(
                    namespace: requested == "*" ? nil : requested, prefix: prefix, pluginID: pluginID, nodeID: nodeID,
                    sortedKeys: lists.volumeKeys(state), from: start
                )
                .lazy.filter { visible?($0.namespace) ?? true }.map(state.view)
                return selection.answer(
                    views, index: index, token: { VolumeKey(namespace: $0.volume.namespace, id: $0.volume.id).description }, datum: { $0 }
                ) { $0.stub }
            }
        }
    }

    /// `GET /v1/volume/csi/:id`: the volume with its plugin's health. Its index and wakeups cover
    /// the volume and its plugin.
    func readVolume(id: String, _ request: Request, _ query: QueryParameters) async throws -> Response {
        let key = VolumeKey(namespace: namespace(query), id: id)
        return try await blocking(request, query) { state in
            guard let volume = state.volume(namespace: key.namespace, id: key.id) else {
                let index = state.tableIndex(.volumes)
                return QueryAnswer(index: index, watch: [.volume(key)]) {
                    Responses.error(APIError(.notFound, "volume not found"), index: index)
                }
            }
            // A plugin that is gone was deleted at or before the plugin-set index, which keeps
            // the answer's index moving forward when it goes.
            let pluginIndex = state.pluginModifyIndex(id: volume.pluginID) ?? state.pluginSetIndex
            let index = max(volume.modifyIndex, pluginIndex)
            return QueryAnswer(index: index, watch: [.volume(key), .plugin(volume.pluginID)]) {
                Responses.json(state.view(of: volume), index: index)
            }
        }
    }

    /// `PUT /v1/volume/csi/:id` and `PUT|POST /v1/volumes`: registers the body's volumes (the
    /// path's ID is ignored, as in Nomad). A volume without a namespace is in the request's. A
    /// caller who may not read plugins, or write volumes in any namespace, is refused before the
    /// body is read.
    func registerVolumes(_ request: Request, _ query: QueryParameters) async throws -> Response {
        let caller = try await caller(request)
        try caller.require(\.allowsPluginRead)
        try caller.require(.csiWriteVolume, inNamespace: "*")
        let body = try await decodeBody(request, as: VolumeRegisterRequest.self)
        let fallback = namespace(query, body: body.namespace)
        let volumes = (body.volumes ?? []).map { volume in
            var volume = volume
            if volume.namespace.isEmpty { volume.namespace = fallback }
            return volume
        }
        let command = Command.volumeRegister(VolumeRegistration(volumes: volumes, time: configuration.clock()))
        let applied = try await submit(command, request, policyOverride: body.policyOverride ?? false)
        guard case .volumes(let stored) = try applied.result.get() else { throw APIError.internalError("unexpected outcome") }
        let state = store.state
        let reply = VolumeWriteReply(volumes: stored.map { state.view(of: $0) }, index: applied.index)
        return Responses.json(reply, index: applied.index)
    }

    /// `DELETE /v1/volume/csi/:id?force=`: refused while claimed unless forced.
    func deregisterVolume(id: String, _ request: Request, _ query: QueryParameters) async throws -> Response {
        var force = false
        if let text = query["force"] {
            guard let value = GoValues.bool(text) else { throw APIError.badRequest("invalid force value") }
            force = value
        }
        let command = Command.volumeDeregister(
            VolumeDeregistration(namespace: namespace(query), volumeIDs: [id], force: force, time: configuration.clock()))
        return try await submitAnsweringEmpty(command, request)
    }

    /// `DELETE /v1/volume/csi/:id/detach?node=`: every claim from that node starts its release.
    func detachVolume(id: String, _ request: Request, _ query: QueryParameters) async throws -> Response {
        guard let node = query["node"], !node.isEmpty else { throw APIError.badRequest("detach requires node ID") }
        let command = Command.volumeDetach(VolumeDetach(namespace: namespace(query), volumeID: id, nodeID: node, time: configuration.clock()))
        return try await submitAnsweringEmpty(command, request)
    }

    /// `PUT /v1/volume/csi/:id/claim`: the claim seam. A client takes a claim for an allocation
    /// (`State` 0) or reports how far a release has come (1 node-detached, 2 controller-detached,
    /// 3 ready-to-free, 4 unpublishing); answered with the volume.
    func claimVolume(id: String, _ request: Request, _ query: QueryParameters) async throws -> Response {
        let body = try await decodeBody(request, as: VolumeClaimRequest.self)
        guard let mode = CSIVolumeClaimMode(rawValue: body.claim ?? 0) else { throw APIError.badRequest("invalid claim mode") }
        guard let state = CSIVolumeClaimState(rawValue: body.state ?? 0) else { throw APIError.badRequest("invalid claim state") }
        let claim = CSIVolumeClaim(
            allocationID: body.allocationID ?? "", nodeID: body.nodeID ?? "", externalNodeID: body.externalNodeID ?? "", mode: mode,
            accessMode: body.accessMode ?? "", attachmentMode: body.attachmentMode ?? "", state: state)
        let namespace = namespace(query, body: body.namespace)
        let command = Command.volumeClaim(VolumeClaimUpdate(namespace: namespace, volumeID: id, claim: claim, time: configuration.clock()))
        let applied = try await submit(command, request)
        guard case .volumes(let stored) = try applied.result.get(), let volume = stored.first else {
            throw APIError.internalError("unexpected outcome")
        }
        return Responses.json(VolumeWriteReply(volumes: [store.state.view(of: volume)], index: applied.index, isClaim: true), index: applied.index)
    }

    /// Any of these in the request's namespace lets a caller list volumes (Nomad's rule).
    static let volumeListCapabilities: [NamespaceCapability] = [.csiListVolume, .csiReadVolume, .csiMountVolume, .listJobs]

    /// What Caravan cannot do: create, delete, snapshot and list external volumes call a
    /// controller plugin through a Nomad client, and Caravan calls no plugins.
    static let needsControllerPlugin = APIError(
        .notImplemented, "Caravan does not call CSI controller plugins: this operation needs a Nomad client running the volume's controller plugin")
}

/// The answer to a volume registration (the volumes as stored) or a claim (Nomad's
/// `CSIVolumeClaimResponse`: the volume and a `PublishContext`), then the write's metadata.
struct VolumeWriteReply: JSONWritable {
    var volumes: [CSIVolumeView]
    var index: UInt64
    var isClaim = false

    func write(to json: inout JSONWriter) {
        json.beginObject()
        if isClaim, let volume = volumes.first {
            json.key("PublishContext")
            json.null()
            json.field("Volume", volume)
        } else {
            json.field("Volumes", volumes)
            json.field("Warnings", "")
        }
        json.field("Index", index)
        json.field("LastContact", 0)
        json.field("KnownLeader", true)
        json.field("NextToken", "")
        json.endObject()
    }
}
