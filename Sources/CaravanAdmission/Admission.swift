public import CaravanACL
public import CaravanModel
public import CaravanState

/// What a server checks before it proposes a write: that the command is well formed and that the
/// caller's token allows it, against the server's current state. The API runs it on the server a
/// request reaches; the leader runs it again on every write a follower forwards, so that nothing
/// reaches the log that the leader has not decoded, validated and authorized itself — a forged or
/// stale frame on the raft port gets no further than a request to the leader's own API would.
///
/// Owns the token resolver (and so the compiled ACLs). With ACLs disabled every caller may do
/// everything, as in Nomad, but the ACL commands themselves are refused.
public struct Admission: Sendable {
    public let aclEnabled: Bool
    public let tokens: TokenResolver

    public init(aclEnabled: Bool, tokens: TokenResolver = TokenResolver()) {
        self.aclEnabled = aclEnabled
        self.tokens = tokens
    }

    /// The ACL of the caller whose token `secret` names; `.management` with ACLs disabled.
    public func acl(secret: String, in state: StateVersion, now: Int64) throws(AdmissionError) -> ACL {
        guard aclEnabled else { return .management }
        return tokens.acl(for: try tokens.token(secret: secret, in: state, now: now), in: state)
    }

    /// Checks `command` from the caller `credentials` name against `state` at time `now` (Unix
    /// nanoseconds, for token expiry).
    /// - Throws: Why the command may not be proposed, as the API answers it.
    public func check(_ command: Command, credentials: WriteCredentials, in state: StateVersion, now: Int64) throws(AdmissionError) {
        if case .aclBootstrap(let token) = command {
            // Bootstrapping needs no token (there is none yet), so none is looked at.
            try requireACLs()
            try ACLValidation.validateBootstrap(token, in: state)
            return
        }
        let acl = try acl(secret: credentials.secret, in: state, now: now)
        switch command {
        case .noop:
            throw .invalid("a no-op entry is not proposed for a client")
        case .jobRegister(let registration):
            try Self.authorize(registration.job, policyOverride: credentials.policyOverride, acl: acl)
            try Self.validate(registration.job, in: state)
        case .jobDeregister(let deregistration):
            // A write names one namespace; `*` would read as "any" to the ACL.
            guard deregistration.namespace != "*" else { throw .invalid("a job cannot be deregistered in namespace *") }
            let needed: NamespaceCapability = deregistration.purge ? .purgeJob : .deregisterJob
            try Self.require(acl.allowsAny(of: [.submitJob, needed], inNamespace: deregistration.namespace))
            guard !deregistration.jobID.isEmpty else { throw .invalid("missing job ID") }
        case .nodeRegister(let registration):
            try Self.require(acl.allowsNodeWrite)
            try NodeValidation.validate(registration.node, in: state)
        case .nodeStatusUpdate(let update):
            try Self.require(acl.allowsNodeWrite)
            guard Node.statuses.contains(update.status) else { throw .invalid("invalid status for node") }
            guard state.node(id: update.nodeID) != nil else { throw AdmissionError(.notFound, "node not found") }
        case .nodeDeregister(let deregistration):
            try Self.require(acl.allowsNodeWrite)
            guard state.node(id: deregistration.nodeID) != nil else { throw AdmissionError(.notFound, "node not found") }
        case .aclBootstrap:
            return
        case .aclPolicyUpsert(let policies):
            try requireACLs()
            try Self.require(acl.isManagement)
            for policy in policies { try ACLValidation.validate(policy) }
        case .aclPolicyDelete:
            try requireACLs()
            try Self.require(acl.isManagement)
        case .aclTokenUpsert(let upsert):
            try requireACLs()
            try Self.require(acl.isManagement)
            for token in upsert.tokens {
                try ACLValidation.validate(token, in: state)
                if !upsert.isUpdate { try ACLValidation.validateNew(token) }
            }
        case .aclTokenDelete:
            try requireACLs()
            try Self.require(acl.isManagement)
        case .namespaceUpsert(let namespaces):
            try Self.require(acl.isManagement)
            for namespace in namespaces { try NamespaceValidation.validate(namespace) }
        case .namespaceDelete(let names):
            try Self.require(acl.isManagement)
            for name in names { try NamespaceValidation.validateDeletion(of: name, in: state) }
        case .volumeRegister, .volumeDeregister, .volumeClaim, .volumeDetach:
            try VolumeAdmission.check(command, policyOverride: credentials.policyOverride, acl: acl, in: state)
        }
    }

    /// Checks a membership change or a leadership transfer: it needs `operator:write`.
    public func checkOperatorWrite(credentials: WriteCredentials, in state: StateVersion, now: Int64) throws(AdmissionError) {
        try Self.require(try acl(secret: credentials.secret, in: state, now: now).allowsOperatorWrite)
    }

    /// Nomad's checks for a job registration, in the job's own namespace: `submit-job` (or
    /// `register-job`); `csi-register-plugin` if a task runs a CSI plugin; `csi-mount-volume` and
    /// plugin `read` if a group mounts a CSI volume; `sentinel-override` with `PolicyOverride`.
    public static func authorize(_ job: Job, policyOverride: Bool, acl: ACL) throws(AdmissionError) {
        let namespace = job.namespace
        try require(acl.allowsAny(of: [.submitJob, .registerJob], inNamespace: namespace))
        if !job.pluginTasks.isEmpty { try require(acl.allows(.csiRegisterPlugin, inNamespace: namespace)) }
        let mountsCSIVolume = job.taskGroups.contains { group in group.volumes?.values.contains { $0.type == "csi" } ?? false }
        if mountsCSIVolume {
            try require(acl.allows(.csiMountVolume, inNamespace: namespace))
            try require(acl.allowsPluginRead)
        }
        if policyOverride { try require(acl.allows(.sentinelOverride, inNamespace: namespace)) }
    }

    /// A canonical job's checks: its shape, then that its namespace exists.
    static func validate(_ job: Job, in state: StateVersion) throws(AdmissionError) {
        guard !job.id.isEmpty else { throw .invalid("Job ID hasn't been provided") }
        try JobValidation.validate(job)
        guard state.namespaceExists(job.namespace) else {
            throw .invalid(StateError.nonexistentNamespace(jobID: job.id, namespace: job.namespace).description)
        }
    }

    private func requireACLs() throws(AdmissionError) {
        guard aclEnabled else { throw .aclDisabled }
    }

    static func require(_ allowed: Bool) throws(AdmissionError) {
        guard allowed else { throw .permissionDenied }
    }
}
