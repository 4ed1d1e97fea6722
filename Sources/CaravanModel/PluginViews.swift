// The CSI plugin views of the draft API (shared/seed/000_3a7b7ca2fbcafd62.txt), served on its routes
// field for field. Each view is a thin wrapper that writes one object.

/// `GET /v1/csi/plugins` and `GET /v1/csi/jobs` entry.
public struct PluginListView: JSONWritable {
    public let summary: CSIPluginSummary

    public init(_ summary: CSIPluginSummary) { self.summary = summary }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("ID", summary.id)
        json.key("JobIDs")
        json.beginObject()
        for namespace in summary.jobIDs.keys.sorted() { json.field(namespace, summary.jobIDs[namespace]!) }
        json.endObject()
        writeCounts(&json)
        json.endObject()
    }

    fileprivate func writeCounts(_ json: inout JSONWriter) {
        json.field("ControllerRequired", summary.controllerRequired)
        json.field("ControllersHealthy", summary.controllersHealthy)
        json.field("ControllersExpected", summary.controllersExpected)
        json.field("NodesHealthy", summary.nodesHealthy)
        json.field("NodesExpected", summary.nodesExpected)
        json.field("CreateIndex", summary.createIndex)
        json.field("ModifyIndex", summary.modifyIndex)
    }
}

/// The `CSIPlugin` object the draft API adds to `GET /v1/job/:id`.
public struct JobPluginView: JSONWritable {
    public let summary: CSIPluginSummary

    public init(_ summary: CSIPluginSummary) { self.summary = summary }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("ID", summary.id)
        PluginListView(summary).writeCounts(&json)
        json.endObject()
    }
}

/// `GET /v1/job/:id`: the job, plus the draft API's `CSIPlugin` object when the job runs a plugin.
public struct JobWithPluginView: JSONWritable {
    public let job: Job
    public let plugin: CSIPluginSummary?

    public init(_ job: Job, plugin: CSIPluginSummary?) {
        self.job = job
        self.plugin = plugin
    }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        job.writeMembers(to: &json)
        if let plugin { json.field("CSIPlugin", JobPluginView(plugin)) }
        json.endObject()
    }
}

/// `GET /v1/csi/plugin/:id` (the draft API wraps it in an array of one).
public struct PluginDetailView: JSONWritable {
    public let plugin: CSIPlugin
    /// The request namespace: `Jobs` lists that namespace's jobs that run the plugin.
    public let namespace: String
    public let jobs: [(job: Job, summary: JobSummary?)]

    public init(_ plugin: CSIPlugin, namespace: String, jobs: [(job: Job, summary: JobSummary?)]) {
        self.plugin = plugin
        self.namespace = namespace
        self.jobs = jobs
    }

    public func write(to json: inout JSONWriter) {
        let summary = plugin.summary
        json.beginObject()
        json.field("ID", summary.id)
        json.field("Namespace", namespace)
        json.key("Topologies")
        json.beginArray()
        for topology in plugin.topologies { json.element(TopologySegmentsView(topology)) }
        json.endArray()
        json.key("Jobs")
        json.beginArray()
        for entry in jobs { json.element(PluginJobView(entry.job, summary: entry.summary)) }
        json.endArray()
        json.field("ControllersRequired", summary.controllerRequired)
        json.field("ControllersHealthy", summary.controllersHealthy)
        json.field("Controllers", plugin.controllers.mapValues(CSIInfoView.init))
        json.field("NodesHealthy", summary.nodesHealthy)
        json.field("Nodes", plugin.nodes.mapValues(CSIInfoView.init))
        json.field("CreateIndex", summary.createIndex)
        json.field("ModifyIndex", summary.modifyIndex)
        json.endObject()
    }
}

/// A topology as the draft API writes it: the segments map itself.
struct TopologySegmentsView: JSONWritable {
    let topology: CSITopology

    init(_ topology: CSITopology) { self.topology = topology }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        for key in topology.segments.keys.sorted() { json.field(key, topology.segments[key]!) }
        json.endObject()
    }
}

/// A fingerprint as the draft API's plugin detail shows it.
struct CSIInfoView: JSONWritable {
    let info: CSIInfo

    init(_ info: CSIInfo) { self.info = info }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("PluginID", info.pluginID)
        json.field("Healthy", info.healthy)
        json.field("HealthDescription", info.healthDescription)
        json.field("UpdateTime", info.updateTime)
        json.field("RequiresControllerPlugin", info.requiresControllerPlugin)
        json.field("RequiresTopologies", info.requiresTopologies)
        if let controller = info.controllerInfo {
            json.key("ControllerInfo")
            json.beginObject()
            json.field("SupportsReadOnlyAttach", controller.supportsReadOnlyAttach)
            json.field("SupportsAttachDetach", controller.supportsAttachDetach)
            json.field("SupportsListVolumes", controller.supportsListVolumes)
            json.field("SupportsListVolumesAttachedNodes", controller.supportsListVolumesAttachedNodes)
            json.endObject()
        }
        if let node = info.nodeInfo {
            json.key("NodeInfo")
            json.beginObject()
            json.field("ID", node.id)
            json.field("MaxVolumes", node.maxVolumes)
            json.key("AccessibleTopology")
            if let topology = node.accessibleTopology { json.element(TopologySegmentsView(topology)) } else { json.null() }
            json.field("RequiresNodeStageVolume", node.requiresNodeStageVolume)
            json.endObject()
        }
        json.endObject()
    }
}

/// A job in the plugin detail's `Jobs` list.
struct PluginJobView: JSONWritable {
    let job: Job
    let summary: JobSummary?

    init(_ job: Job, summary: JobSummary?) {
        self.job = job
        self.summary = summary
    }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("ID", job.id)
        json.field("ParentID", job.parentID)
        json.field("Name", job.name)
        json.field("Type", job.type)
        json.field("Priority", job.priority)
        json.field("Status", job.status)
        json.field("StatusDescription", job.statusDescription)
        json.key("JobSummary")
        if let summary {
            json.beginObject()
            json.field("JobID", summary.jobID)
            json.key("Summary")
            json.beginObject()
            for group in summary.summary.keys.sorted() {
                let counts = summary.summary[group]!
                json.key(group)
                json.beginObject()
                json.field("Queued", counts.queued)
                json.field("Complete", counts.complete)
                json.field("Failed", counts.failed)
                json.field("Running", counts.running)
                json.field("Starting", counts.starting)
                json.field("Lost", counts.lost)
                json.endObject()
            }
            json.endObject()
            json.field("Children", summary.children)
            json.field("CreateIndex", summary.createIndex)
            json.field("ModifyIndex", summary.modifyIndex)
            json.endObject()
        } else {
            json.null()
        }
        json.field("CreateIndex", job.createIndex)
        json.field("ModifyIndex", job.modifyIndex)
        json.field("JobModifyIndex", job.jobModifyIndex)
        json.endObject()
    }
}
