import CaravanACL
import CaravanModel
import CaravanState
import Hummingbird

/// The body of `PUT|POST /v1/jobs` and `/v1/job/:id`.
struct JobRegisterRequest: Decodable {
    var job: Job?
    var namespace: String?
    var policyOverride: Bool?

    enum CodingKeys: String, CodingKey {
        case job = "Job"
        case namespace = "Namespace"
        case policyOverride = "PolicyOverride"
    }
}

extension CaravanAPI {
    /// `GET /v1/jobs?prefix=&namespace=` (`*` for every namespace the caller may list jobs in).
    func listJobs(_ call: RouteCall) async throws -> Response {
        let (request, query) = (call.request, call.query)
        let caller = try await caller(call)
        let requested = namespace(query)
        let prefix = query["prefix"] ?? ""
        let selection = try ListSelection(query)
        return try await blocking(request, query, view: requested == "*" ? caller.view : "") { state in
            let index = max(state.tableIndex(.jobs), state.tableIndex(.jobSummaries))
            return QueryAnswer(index: index, watch: [.table(.jobs), .table(.jobSummaries)]) {
                let visible = requested == "*" ? caller.visibility(.listJobs) : nil
                let namespace = requested == "*" ? nil : requested
                guard !selection.selectsEverything else {
                    return Responses.json(lists.jobStubs(state, namespace: namespace, prefix: prefix, visible: visible), index: index)
                }
                let start = selection.paging.namespacedToken.map { JobKey(namespace: $0.namespace, id: $0.id) } ?? JobKey(namespace: "", id: "")
                let jobs = state.jobs(namespace: namespace, prefix: prefix)
                    .suffix { job in JobKey(namespace: job.namespace, id: job.id) >= start }
                    .lazy.filter { visible?($0.namespace) ?? true }
                return selection.answer(jobs, index: index, token: { "\($0.namespace).\($0.id)" }, datum: { $0 }) {
                    JobListStub($0, summary: state.jobSummary(namespace: $0.namespace, id: $0.id))
                }
            }
        }
    }

    /// `GET /v1/job/:id`: the job, with the draft API's `CSIPlugin` object when it runs a plugin.
    /// Its index and wakeups cover the job and that plugin. Needs `read-job` and the draft API's
    /// `csi-access`.
    func readJob(id: String, _ request: Request, _ query: QueryParameters) async throws -> Response {
        let key = JobKey(namespace: namespace(query), id: id)
        return try await blocking(request, query) { state in
            guard let job = state.job(namespace: key.namespace, id: key.id) else {
                let index = state.tableIndex(.jobs)
                return QueryAnswer(index: index, watch: [.job(key)]) {
                    Responses.error(APIError(.notFound, "job not found"), index: index)
                }
            }
            let plugin = job.pluginIDs.first.flatMap { state.pluginSummary(id: $0) }
            // A plugin the job names but that no longer exists was deleted at or before the
            // plugin-set index, so that index keeps the answer's index moving forward.
            let pluginIndex = plugin?.modifyIndex ?? (job.pluginIDs.isEmpty ? 0 : state.pluginSetIndex)
            let index = max(job.modifyIndex, pluginIndex)
            var watch: Set<WatchKey> = [.job(key)]
            if let pluginID = job.pluginIDs.first { watch.insert(.plugin(pluginID)) }
            return QueryAnswer(index: index, watch: watch) {
                Responses.json(JobWithPluginView(job, plugin: plugin), index: index)
            }
        }
    }

    /// `PUT|POST /v1/jobs` and `/v1/job/:id`: validate, canonicalize, propose, answer once applied.
    /// A caller who may submit jobs in no namespace at all is refused before the body is read;
    /// the job's own namespace is checked once it is known.
    func registerJob(_ request: Request, query: QueryParameters, pathID: String?) async throws -> Response {
        try await caller(request).require(anyOf: [.submitJob, .registerJob], inNamespace: "*")
        let body = try await decodeBody(request, as: JobRegisterRequest.self)
        guard var job = body.job else { throw APIError.badRequest("Job must be specified") }
        guard !job.id.isEmpty else { throw APIError.badRequest("Job ID hasn't been provided") }
        if let pathID, pathID != job.id { throw APIError.badRequest("Job ID does not match name") }
        job.namespace = Self.namespaceForJob(job: job.namespace, query: query["namespace"], body: body.namespace)
        job.canonicalize()
        let registration = JobRegistration(job: job, submitTime: configuration.clock())
        let applied = try await submit(.jobRegister(registration), request, policyOverride: body.policyOverride ?? false)
        let outcome = try applied.result.get()
        guard case .jobRegistered(let jobModifyIndex) = outcome else { throw APIError.internalError("unexpected outcome") }
        let reply = WriteReply(
            fields: [
                ("EvalID", .string("")), ("EvalCreateIndex", .int(0)),
                ("JobModifyIndex", .int(Int64(jobModifyIndex))), ("Warnings", .string("")),
            ],
            index: applied.index
        )
        return Responses.json(reply, index: applied.index)
    }

    /// `DELETE /v1/job/:id?purge=`: stop the job, or purge it. An unknown job is not an error.
    /// Needs `submit-job`, or `purge-job` to purge, `deregister-job` to stop.
    func deregisterJob(id: String, _ request: Request, _ query: QueryParameters) async throws -> Response {
        var purge = false
        if let text = query["purge"] {
            guard let value = GoValues.bool(text) else { throw APIError.badRequest("invalid purge value") }
            purge = value
        }
        let caller = try await caller(request)
        try caller.require(anyOf: [.submitJob, purge ? .purgeJob : .deregisterJob], inNamespace: namespace(query))
        let command = JobDeregistration(namespace: namespace(query), jobID: id, purge: purge, time: configuration.clock())
        let applied = try await submit(.jobDeregister(command), request)
        guard case .jobDeregistered(let jobModifyIndex) = try applied.result.get() else {
            throw APIError.internalError("unexpected outcome")
        }
        let reply = WriteReply(
            fields: [
                ("EvalID", .string("")), ("EvalCreateIndex", .int(0)),
                ("JobModifyIndex", .int(Int64(jobModifyIndex))), ("VolumeEvalID", .string("")),
                ("VolumeEvalIndex", .int(0)),
            ],
            index: applied.index
        )
        return Responses.json(reply, index: applied.index)
    }

    /// Nomad's `namespaceForJob`: a non-default `?namespace=` wins, then the body's, then the job's.
    static func namespaceForJob(job: String, query: String?, body: String?) -> String {
        if let query, !query.isEmpty, query != "default" { return query }
        if let body, !body.isEmpty, body != "default" { return body }
        if !job.isEmpty { return job }
        return "default"
    }
}

extension Result where Failure == StateError {
    /// The outcome, or the refusal as the API error a client gets.
    func get() throws(APIError) -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let error):
            switch error {
            case .nodeNotFound, .aclTokenNotFound: throw APIError(.notFound, error.description)
            case .nodeSecretMismatch, .aclBootstrapDone, .aclSecretInUse, .nonexistentNamespace, .namespaceHasJobs, .namespaceHasVolumes,
                .defaultNamespaceDelete, .invalidCommand:
                throw APIError.badRequest(error.description)
            case .halted, .volume: throw APIError.internalError(error.description)
            }
        }
    }
}
