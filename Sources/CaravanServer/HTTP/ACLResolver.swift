import CaravanACL
import CaravanModel
public import CaravanState
import HTTPTypes
import Synchronization

/// Turns a request's token into what it may do, as Nomad resolves tokens: no token is the
/// anonymous token (whose policy is the one named `anonymous`, if an operator created it); an
/// unknown or expired secret is refused; a management token may do everything; a client token
/// may do what its policies grant together.
///
/// Compiled ACLs are cached by policy set until a policy changes.
public final class ACLResolver: Sendable {
    private let cache = Mutex<(policiesIndex: UInt64, acls: [[String]: ACL])>((0, [:]))

    public init() {}

    /// The token a request carries: `X-Nomad-Token`, else `Authorization: Bearer <secret>`
    /// (scheme in any case); surrounding whitespace trimmed. Empty when there is none.
    static func secret(of headers: HTTPFields) -> String {
        if let token = headers[.nomadToken] {
            return token.trimmingWhitespace
        }
        guard let authorization = headers[.authorization] else { return "" }
        let words = authorization.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count >= 2, words[0].lowercased() == "bearer" else { return "" }
        return String(words[1]).trimmingWhitespace
    }

    /// The token that `secret` names in `state` (the anonymous token for an empty secret).
    func token(secret: String, in state: StateSnapshot, now: Int64) throws(APIError) -> ACLToken {
        guard !secret.isEmpty else { return .anonymous }
        guard let token = state.aclToken(secretID: secret) else { throw APIError.permissionDenied }
        guard !token.isExpired(at: now) else { throw APIError(.forbidden, "ACL token expired") }
        return token
    }

    /// What `token` may do in `state`. A policy the token names that no longer exists grants nothing.
    func acl(for token: ACLToken, in state: StateSnapshot) -> ACL {
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

extension HTTPField.Name {
    static let nomadToken = HTTPField.Name("X-Nomad-Token")!
}

extension String {
    /// The string without leading and trailing spaces and tabs (the only whitespace an HTTP
    /// field value can hold). Works on the UTF-8 bytes: a token is checked on every request.
    var trimmingWhitespace: String {
        let utf8 = self.utf8
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = utf8.first, let last = utf8.last, isBlank(first) || isBlank(last) else { return self }
        guard let start = utf8.firstIndex(where: { !isBlank($0) }), let end = utf8.lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
