public import CaravanModel

/// One log entry's meaning: every change to Caravan's state is one of these.
///
/// Everything the state machine needs to apply a command deterministically travels inside it: the
/// proposer stamps times (Unix nanoseconds) and canonicalizes defaults before proposing, so every
/// replica and every replay applies the same bytes to the same result.
public enum Command: Sendable, Hashable {
    /// Register or update a job (the job is already canonicalized).
    case jobRegister(JobRegistration)
    /// Stop a job, or purge it from the state.
    case jobDeregister(JobDeregistration)
    /// A client node registers or re-registers with its full fingerprint.
    case nodeRegister(NodeRegistration)
    /// A node's status changes (`initializing`, `ready`, `down`, `disconnected`).
    case nodeStatusUpdate(NodeStatusUpdate)
    /// A node is removed from the state (`PUT /v1/node/:id/purge`).
    case nodeDeregister(NodeDeregistration)
    /// The first management token, once per cluster (`PUT /v1/acl/bootstrap`).
    case aclBootstrap(ACLToken)
    /// Create or replace ACL policies by name.
    case aclPolicyUpsert([ACLPolicy])
    /// Delete ACL policies by name (absent names are ignored).
    case aclPolicyDelete([String])
    /// Create ACL tokens, or update existing ones.
    case aclTokenUpsert(ACLTokenUpsert)
    /// Delete ACL tokens by accessor ID (absent ones are ignored).
    case aclTokenDelete([String])
    /// Create or update namespaces.
    case namespaceUpsert([Namespace])
    /// Delete namespaces; refused while one still holds a job.
    case namespaceDelete([String])
    /// Register or update CSI volumes, all or none.
    case volumeRegister(VolumeRegistration)
    /// Remove CSI volumes; refused while claimed unless forced.
    case volumeDeregister(VolumeDeregistration)
    /// A claim on a volume is taken, or its release moves on (the claim seam).
    case volumeClaim(VolumeClaimUpdate)
    /// Every claim from one node on a volume starts its release (`detach?node=`).
    case volumeDetach(VolumeDetach)
    /// An entry that changes nothing (a new leader's first entry).
    case noop
}

public struct VolumeRegistration: Sendable, Hashable {
    /// The volumes as submitted, each in its own namespace.
    public var volumes: [CSIVolume]
    /// Unix nanoseconds when the proposer accepted the registration.
    public var time: Int64

    public init(volumes: [CSIVolume], time: Int64) {
        self.volumes = volumes
        self.time = time
    }
}

public struct VolumeDeregistration: Sendable, Hashable {
    public var namespace: String
    public var volumeIDs: [String]
    /// Remove the volumes even while claimed (their claims go with them).
    public var force: Bool
    public var time: Int64

    public init(namespace: String, volumeIDs: [String], force: Bool, time: Int64) {
        self.namespace = namespace
        self.volumeIDs = volumeIDs
        self.force = force
        self.time = time
    }
}

public struct VolumeClaimUpdate: Sendable, Hashable {
    public var namespace: String
    public var volumeID: String
    public var claim: CSIVolumeClaim
    public var time: Int64

    public init(namespace: String, volumeID: String, claim: CSIVolumeClaim, time: Int64) {
        self.namespace = namespace
        self.volumeID = volumeID
        self.claim = claim
        self.time = time
    }
}

public struct VolumeDetach: Sendable, Hashable {
    public var namespace: String
    public var volumeID: String
    public var nodeID: String
    public var time: Int64

    public init(namespace: String, volumeID: String, nodeID: String, time: Int64) {
        self.namespace = namespace
        self.volumeID = volumeID
        self.nodeID = nodeID
        self.time = time
    }
}

public struct ACLTokenUpsert: Sendable, Hashable {
    public var tokens: [ACLToken]
    /// Whether the tokens must already exist (an update). A token deleted between the request's
    /// check and the entry's commit is then refused instead of recreated.
    public var isUpdate: Bool

    public init(tokens: [ACLToken], isUpdate: Bool) {
        self.tokens = tokens
        self.isUpdate = isUpdate
    }
}

public struct JobRegistration: Sendable, Hashable {
    public var job: Job
    /// Unix nanoseconds when the proposer accepted the submission.
    public var submitTime: Int64
    /// Whether the job's namespace must exist. Entries written before namespaces existed (log
    /// format 1) registered jobs in any namespace; they still do when replayed, so that a log
    /// replays to the state its snapshots hold. Not part of the encoding: it follows from the
    /// entry's format version.
    public var requiresNamespace: Bool

    public init(job: Job, submitTime: Int64, requiresNamespace: Bool = true) {
        self.job = job
        self.submitTime = submitTime
        self.requiresNamespace = requiresNamespace
    }
}

public struct JobDeregistration: Sendable, Hashable {
    public var namespace: String
    public var jobID: String
    public var purge: Bool
    public var time: Int64

    public init(namespace: String, jobID: String, purge: Bool, time: Int64) {
        self.namespace = namespace
        self.jobID = jobID
        self.purge = purge
        self.time = time
    }
}

public struct NodeRegistration: Sendable, Hashable {
    public var node: Node
    /// Unix nanoseconds when the proposer accepted the registration.
    public var time: Int64

    public init(node: Node, time: Int64) {
        self.node = node
        self.time = time
    }
}

public struct NodeStatusUpdate: Sendable, Hashable {
    public var nodeID: String
    public var status: String
    public var time: Int64

    public init(nodeID: String, status: String, time: Int64) {
        self.nodeID = nodeID
        self.status = status
        self.time = time
    }
}

public struct NodeDeregistration: Sendable, Hashable {
    public var nodeID: String
    public var time: Int64

    public init(nodeID: String, time: Int64) {
        self.nodeID = nodeID
        self.time = time
    }
}
