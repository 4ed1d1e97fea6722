import CaravanModel
import HashTreeCollections

/// Why the state machine refused a command. Refusals are deterministic (every replica refuses
/// the same entry) and leave the state untouched.
public enum StateError: Error, Sendable, Equatable, CustomStringConvertible {
    case nodeNotFound(String)
    case nodeSecretMismatch(String)
    case aclBootstrapDone(resetIndex: UInt64)
    case aclTokenNotFound(String)
    case aclSecretInUse(accessorID: String)
    case nonexistentNamespace(jobID: String, namespace: String)
    case namespaceHasJobs(namespace: String, jobID: String)
    case defaultNamespaceDelete
    case namespaceHasVolumes(namespace: String, volumeID: String)
    /// A volume registration, claim or deregistration that Nomad's rules refuse.
    case volume(CSIVolumeError)
    /// The command breaks an invariant of the state (see ``Command``'s `invariantViolation`).
    case invalidCommand(String)
    /// An entry's bytes could not be decoded (written by a newer build, or corrupt): the state
    /// machine stops there rather than skip it, so that no replica diverges from the others.
    case halted(index: UInt64, reason: String)

    public var description: String {
        switch self {
        case .nodeNotFound: "node not found"
        case .nodeSecretMismatch: "node secret ID does not match. Not registering node."
        case .aclBootstrapDone(let resetIndex): "ACL bootstrap already done (reset index: \(resetIndex))"
        case .aclTokenNotFound: "ACL token not found"
        case .aclSecretInUse(let accessorID): "ACL token \(accessorID): its secret ID is already another token's"
        case .nonexistentNamespace(let jobID, let namespace): "job \"\(jobID)\" is in nonexistent namespace \"\(namespace)\""
        case .namespaceHasJobs(let namespace, let jobID):
            "namespace \"\(namespace)\" contains at least one job \"\(jobID)\". All jobs must be purged from the namespace before it can be deleted"
        case .defaultNamespaceDelete: "default namespace can not be deleted"
        case .namespaceHasVolumes(let namespace, let volumeID):
            "namespace \"\(namespace)\" contains at least one CSI volume \"\(volumeID)\". All CSI volumes in namespace must be deleted before it can be deleted"
        case .volume(let error): error.description
        case .invalidCommand(let reason): "invalid command: \(reason)"
        case .halted(let index, let reason): "state machine halted at log index \(index): \(reason)"
        }
    }
}

/// What applying one command did, for the client that proposed it.
public enum CommandOutcome: Sendable, Equatable {
    case none
    /// The job's `JobModifyIndex` after the registration.
    case jobRegistered(jobModifyIndex: UInt64)
    /// The job's `JobModifyIndex` after the stop (0 for a purge or an unknown job).
    case jobDeregistered(jobModifyIndex: UInt64)
    case nodeRegistered(nodeModifyIndex: UInt64)
    case nodeUpdated(nodeModifyIndex: UInt64)
    case nodeDeregistered
    /// The tokens as stored (indexes set; an update keeps the stored secret).
    case aclTokens([ACLToken])
    /// The volumes as stored after a registration, claim or detach.
    case volumes([CSIVolume])
}

/// The result of applying one log entry.
public struct AppliedEntry: Sendable {
    public let index: UInt64
    public let changes: ChangeSet
    public let result: Result<CommandOutcome, StateError>
    /// The command the entry held, when it decoded; `nil` for an entry that did not.
    public let command: Command?

    public init(index: UInt64, changes: ChangeSet, result: Result<CommandOutcome, StateError>, command: Command? = nil) {
        self.index = index
        self.changes = changes
        self.result = result
        self.command = command
    }
}

/// Caravan's finite-state machine: applies log entries in index order to the state.
///
/// Deterministic by construction: it reads nothing but the entry and the current state — no
/// clock, no randomness, no environment — and iterates maps only in sorted order. The same log
/// therefore yields the same state on every replica and in every replay.
public struct StateMachine: Sendable {
    public private(set) var state: StateVersion
    /// Set once an entry could not be decoded; every later entry is refused.
    public private(set) var halt: StateError?

    public init(state: StateVersion = StateVersion()) {
        self.state = state
    }

    /// Applies the entry at `index`. Entries must arrive in increasing index order.
    public mutating func apply(index: UInt64, data: [UInt8]) -> AppliedEntry {
        if let halt { return AppliedEntry(index: index, changes: ChangeSet(), result: .failure(halt)) }
        let command: Command
        do {
            command = try Command(decoding: data)
        } catch {
            let halt = StateError.halted(index: index, reason: error.description)
            self.halt = halt
            return AppliedEntry(index: index, changes: ChangeSet(), result: .failure(halt))
        }
        return apply(index: index, command: command)
    }

    /// Applies an already decoded command at `index`.
    public mutating func apply(index: UInt64, command: Command) -> AppliedEntry {
        precondition(index > state.index, "entries must be applied in increasing index order")
        if let violation = command.invariantViolation {
            state.index = index
            return AppliedEntry(index: index, changes: ChangeSet(), result: .failure(.invalidCommand(violation)), command: command)
        }
        // Move the state into the transaction so its tables are uniquely referenced and mutate in place.
        var transaction = Transaction(state: state, index: index)
        state = StateVersion()
        let result: Result<CommandOutcome, StateError>
        switch command {
        case .noop: result = .success(.none)
        case .jobRegister(let registration): result = transaction.registerJob(registration)
        case .jobDeregister(let deregistration): result = .success(transaction.deregisterJob(deregistration))
        case .nodeRegister(let registration): result = transaction.registerNode(registration)
        case .nodeStatusUpdate(let update): result = transaction.updateNodeStatus(update)
        case .nodeDeregister(let deregistration): result = transaction.deregisterNode(deregistration)
        case .aclBootstrap(let token): result = transaction.bootstrapACL(token)
        case .aclPolicyUpsert(let policies): result = .success(transaction.upsertACLPolicies(policies))
        case .aclPolicyDelete(let names): result = .success(transaction.deleteACLPolicies(names))
        case .aclTokenUpsert(let upsert): result = transaction.upsertACLTokens(upsert)
        case .aclTokenDelete(let accessorIDs): result = .success(transaction.deleteACLTokens(accessorIDs))
        case .namespaceUpsert(let namespaces): result = .success(transaction.upsertNamespaces(namespaces))
        case .namespaceDelete(let names): result = transaction.deleteNamespaces(names)
        case .volumeRegister(let registration): result = transaction.registerVolumes(registration)
        case .volumeDeregister(let deregistration): result = transaction.deregisterVolumes(deregistration)
        case .volumeClaim(let update): result = transaction.claimVolume(update)
        case .volumeDetach(let detach): result = transaction.detachVolume(detach)
        }
        state = transaction.finish()
        return AppliedEntry(index: index, changes: result.isSuccess ? transaction.changes : ChangeSet(), result: result, command: command)
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
