/// `GET /v1/jobs` entry (Nomad's `JobListStub`).
public struct JobListStub: JSONWritable {
    public let job: Job
    public let summary: JobSummary?

    public init(_ job: Job, summary: JobSummary?) {
        self.job = job
        self.summary = summary
    }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("ID", job.id)
        json.field("ParentID", job.parentID)
        json.field("Name", job.name)
        json.field("Namespace", job.namespace)
        json.field("Datacenters", job.datacenters)
        json.field("NodePool", job.nodePool)
        json.field("Multiregion", nil as JSONValue?)
        json.field("Type", job.type)
        json.field("Priority", job.priority)
        json.field("Periodic", job.extra["Periodic"] != nil && job.extra["Periodic"] != .null)
        json.field("ParameterizedJob", job.extra["ParameterizedJob"] != nil && job.extra["ParameterizedJob"] != .null)
        json.field("Stop", job.stop)
        json.field("Status", job.status)
        json.field("StatusDescription", job.statusDescription)
        json.field("JobSummary", summary)
        json.field("CreateIndex", job.createIndex)
        json.field("ModifyIndex", job.modifyIndex)
        json.field("JobModifyIndex", job.jobModifyIndex)
        json.field("SubmitTime", job.submitTime)
        json.endObject()
    }
}
