public import CaravanACL
public import CaravanModel
public import CaravanState
import Synchronization

/// Turns a token's secret into what it may do, as Nomad resolves tokens: no token is the
/// anonymous token (whose policy is the one named `anonymous`, if an operator created it); an
/// unknown or expired secret is refused; a management token may do everything; a client token
/// may do what its policies grant together.
///
/// Owns the compiled ACLs, cached by policy set until a policy changes.
public final class TokenResolver: Sendable {
    private let cache = Mutex<(policiesIndex: UInt64, acls: [[String]: ACL])>((0, [:]))

    public init() {}

    /// The token that `secret` names in `state` (the anonymous token for an empty secret).
    public func token(secret: String, in state: StateVersion, now: Int64) throws(AdmissionError) -> ACLToken {
        guard !secret.isEmpty else { return .anonymous }
        guard let token = state.aclToken(secretID: secret) else { throw .permissionDenied }
        guard !token.isExpired(at: now) else { throw .tokenExpired }
        return token
    }

    /// What `token` may do in `state`. A policy the token names that no longer exists grants nothing.
    public func acl(for token: ACLToken, in state: StateVersion) -> ACL {
        if token.isManagement { return .management }
        let policiesIndex = state.tableIndex(.aclPolicies)
        let key = token.policies.sorted()
        if let cached = cache.withLock({ $0.policiesIndex == policiesIndex ? $0.acls[key] : nil }) { return cached }
        let rules = key.compactMap { name in state.aclPolicy(name: name).flatMap { try? ACLRulesParser.parse($0.rules) } }
        let acl = ACL(merging: rules)
        cache.withLock { cache in
            if cache.policiesIndex != policiesIndex { cache = (policiesIndex, [:]) }
            cache.acls[key] = acl
        }
        return acl
    }
}
