import CaravanACL
import CaravanModel
import CaravanState

/// The checks ACL policies and tokens must pass before they are stored (Nomad's `Validate`).
enum ACLValidation {
    static func validate(_ policy: ACLPolicy) throws(AdmissionError) {
        guard Namespace.isValidName(policy.name) else { throw .invalid("invalid ACL policy name \"\(policy.name)\"") }
        guard policy.description.count <= 256 else { throw .invalid("ACL policy description longer than 256 characters") }
        do {
            _ = try ACLRulesParser.parse(policy.rules)
        } catch {
            throw .invalid("Failed to parse ACL policy: \(error.description)")
        }
    }

    /// A token as it would be stored: its name, its type, and the policies a client token names.
    static func validate(_ token: ACLToken, in state: StateVersion) throws(AdmissionError) {
        guard !token.accessorID.isEmpty, !token.secretID.isEmpty else { throw .invalid("ACL token without an accessor or secret ID") }
        guard token.name.count <= 256 else { throw .invalid("token name longer than 256 characters") }
        switch token.type {
        case ACLToken.client:
            guard !token.policies.isEmpty else { throw .invalid("client token missing policies") }
            if let missing = token.policies.first(where: { state.aclPolicy(name: $0) == nil }) {
                throw .invalid("cannot find policy \"\(missing)\"")
            }
        case ACLToken.management:
            guard token.policies.isEmpty else { throw .invalid("management token cannot be associated with policies") }
        default:
            throw .invalid("token type must be client or management")
        }
    }

    /// The bootstrap token: a management token, once per cluster.
    static func validateBootstrap(_ token: ACLToken, in state: StateVersion) throws(AdmissionError) {
        guard state.aclBootstrapIndex == 0 else {
            throw .invalid(StateError.aclBootstrapDone(resetIndex: state.aclBootstrapIndex).description)
        }
        guard token.isManagement, token.expirationTime == nil else { throw .invalid("the bootstrap token must be a management token that never expires") }
        try validate(token, in: state)
        try validateNew(token)
    }

    /// Nomad's default bounds on a token's time to live (`acl.token_min_expiration_ttl`,
    /// `token_max_expiration_ttl`), in nanoseconds.
    static let expirationTTLs: ClosedRange<Int64> = 60 * 1_000_000_000...24 * 3600 * 1_000_000_000

    /// A token being created: the server made both its IDs (lowercase UUIDs, as Nomad's), and an
    /// expiry, if any, lies within Nomad's bounds of its creation.
    static func validateNew(_ token: ACLToken) throws(AdmissionError) {
        guard isUUID(token.accessorID), isUUID(token.secretID) else { throw .invalid("a new token's accessor and secret IDs must be UUIDs") }
        if let expiration = token.expirationTime {
            let (ttl, overflow) = expiration.subtractingReportingOverflow(token.createTime)
            guard !overflow, expirationTTLs.contains(ttl) else {
                throw .invalid("expiration time must be between 1m0s and 24h0m0s after the token's creation")
            }
        }
    }

    /// Whether `text` is a UUID in lowercase hex with dashes (8-4-4-4-12).
    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (position, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(position) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) else {
                    return false
                }
            }
        }
        return true
    }
}

/// The checks a namespace must pass before it is stored or deleted.
enum NamespaceValidation {
    static func validate(_ namespace: Namespace) throws(AdmissionError) {
        guard Namespace.isValidName(namespace.name) else { throw .invalid("invalid namespace name \"\(namespace.name)\"") }
        guard namespace.description.count <= 256 else { throw .invalid("namespace description longer than 256 characters") }
    }

    static func validateDeletion(of name: String, in state: StateVersion) throws(AdmissionError) {
        guard name != Namespace.defaultName else { throw .invalid(StateError.defaultNamespaceDelete.description) }
        guard state.namespace(name: name) != nil else { throw AdmissionError(.notFound, "namespace not found") }
        if let job = state.firstJob(inNamespace: name) {
            throw .invalid(StateError.namespaceHasJobs(namespace: name, jobID: job.id).description)
        }
        if let volume = state.firstVolume(inNamespace: name) {
            throw .invalid(StateError.namespaceHasVolumes(namespace: name, volumeID: volume.id).description)
        }
    }
}
