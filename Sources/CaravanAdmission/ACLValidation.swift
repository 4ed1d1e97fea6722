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
    static func validate(_ token: ACLToken, in state: StateSnapshot) throws(AdmissionError) {
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
    static func validateBootstrap(_ token: ACLToken, in state: StateSnapshot) throws(AdmissionError) {
        guard state.aclBootstrapIndex == 0 else {
            throw .invalid(StateError.aclBootstrapDone(resetIndex: state.aclBootstrapIndex).description)
        }
        guard token.isManagement, token.expirationTime == nil else { throw .invalid("the bootstrap token must be a management token that never expires") }
        try validate(token, in: state)
    }
}

/// The checks a namespace must pass before it is stored or deleted.
enum NamespaceValidation {
    static func validate(_ namespace: Namespace) throws(AdmissionError) {
        guard Namespace.isValidName(namespace.name) else { throw .invalid("invalid namespace name \"\(namespace.name)\"") }
        guard namespace.description.count <= 256 else { throw .invalid("namespace description longer than 256 characters") }
    }

    static func validateDeletion(of name: String, in state: StateSnapshot) throws(AdmissionError) {
        guard name != Namespace.defaultName else { throw .invalid(StateError.defaultNamespaceDelete.description) }
        guard state.namespace(name: name) != nil else { throw AdmissionError(.notFound, "namespace not found") }
        if let job = state.firstJob(inNamespace: name) {
            throw .invalid(StateError.namespaceHasJobs(namespace: name, jobID: job.id).description)
        }
    }
}
