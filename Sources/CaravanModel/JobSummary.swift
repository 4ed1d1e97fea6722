/// How many allocations of each task group are in each state. Caravan has no scheduler, so the
/// counts stay zero; the summary exists because clients and the draft API's views read it.
public struct JobSummary: Sendable, Hashable {
    public var jobID: String
    public var namespace: String
    public var summary: [String: TaskGroupSummary]
    public var children: JobChildrenSummary
    public var createIndex: UInt64
    public var modifyIndex: UInt64

    public init(
        jobID: String, namespace: String, summary: [String: TaskGroupSummary] = [:],
        children: JobChildrenSummary = .init(), createIndex: UInt64 = 0, modifyIndex: UInt64 = 0
    ) {
        self.jobID = jobID
        self.namespace = namespace
        self.summary = summary
        self.children = children
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
    }
}

/// Allocation counts of one task group.
public struct TaskGroupSummary: Sendable, Hashable {
    public var queued = 0
    public var complete = 0
    public var failed = 0
    public var running = 0
    public var starting = 0
    public var lost = 0
    public var unknown = 0

    public init(queued: Int = 0, complete: Int = 0, failed: Int = 0, running: Int = 0, starting: Int = 0, lost: Int = 0, unknown: Int = 0) {
        self.queued = queued
        self.complete = complete
        self.failed = failed
        self.running = running
        self.starting = starting
        self.lost = lost
        self.unknown = unknown
    }
}

/// Counts of a parameterized or periodic job's children.
public struct JobChildrenSummary: Sendable, Hashable {
    public var pending = 0
    public var running = 0
    public var dead = 0

    public init(pending: Int = 0, running: Int = 0, dead: Int = 0) {
        self.pending = pending
        self.running = running
        self.dead = dead
    }
}

extension JobSummary: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("JobID", jobID)
        json.field("Namespace", namespace)
        json.field("Summary", summary)
        json.field("Children", children)
        json.field("CreateIndex", createIndex)
        json.field("ModifyIndex", modifyIndex)
        json.endObject()
    }
}

extension TaskGroupSummary: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("Queued", queued)
        json.field("Complete", complete)
        json.field("Failed", failed)
        json.field("Running", running)
        json.field("Starting", starting)
        json.field("Lost", lost)
        json.field("Unknown", unknown)
        json.endObject()
    }
}

extension JobChildrenSummary: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("Pending", pending)
        json.field("Running", running)
        json.field("Dead", dead)
        json.endObject()
    }
}
