/// An operation a namespace rule can grant: Nomad's namespace capabilities, plus the draft API's
/// `csi-access`.
public enum NamespaceCapability: String, CaseIterable, Sendable, Hashable {
    case deny
    case listJobs = "list-jobs"
    case parseJob = "parse-job"
    case readJob = "read-job"
    case submitJob = "submit-job"
    case registerJob = "register-job"
    case deregisterJob = "deregister-job"
    case purgeJob = "purge-job"
    case dispatchJob = "dispatch-job"
    case readLogs = "read-logs"
    case readFS = "read-fs"
    case allocExec = "alloc-exec"
    case allocNodeExec = "alloc-node-exec"
    case allocLifecycle = "alloc-lifecycle"
    case sentinelOverride = "sentinel-override"
    case csiRegisterPlugin = "csi-register-plugin"
    case csiWriteVolume = "csi-write-volume"
    case csiReadVolume = "csi-read-volume"
    case csiListVolume = "csi-list-volume"
    case csiMountVolume = "csi-mount-volume"
    /// The draft API's capability for reading a job together with its plugin (`GET /v1/job/:id`).
    case csiAccess = "csi-access"
    case listScalingPolicies = "list-scaling-policies"
    case readScalingPolicy = "read-scaling-policy"
    case readJobScaling = "read-job-scaling"
    case scaleJob = "scale-job"
    case submitRecommendation = "submit-recommendation"
    case hostVolumeCreate = "host-volume-create"
    case hostVolumeRegister = "host-volume-register"
    case hostVolumeRead = "host-volume-read"
    case hostVolumeWrite = "host-volume-write"
    case hostVolumeDelete = "host-volume-delete"

    /// What a namespace rule's `policy` shorthand grants, as Nomad expands it. `csi-register-plugin`
    /// and `csi-access` are in none: they must be granted by name.
    public static func expanding(policy: String) -> Set<NamespaceCapability>? {
        switch policy {
        case "deny": [.deny]
        case "read": read
        case "write": read.union(writeOnly)
        case "scale": [.listScalingPolicies, .readScalingPolicy, .readJobScaling, .scaleJob]
        default: nil
        }
    }

    private static let read: Set<NamespaceCapability> = [
        .listJobs, .parseJob, .readJob, .csiListVolume, .csiReadVolume, .readJobScaling, .listScalingPolicies,
        .readScalingPolicy, .hostVolumeRead,
    ]

    private static let writeOnly: Set<NamespaceCapability> = [
        .scaleJob, .submitJob, .dispatchJob, .readLogs, .readFS, .allocExec, .allocLifecycle, .csiMountVolume,
        .csiWriteVolume, .submitRecommendation, .hostVolumeCreate,
    ]
}
