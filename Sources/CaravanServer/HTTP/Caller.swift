import CaravanACL
import CaravanModel

/// Who made a request and what they may do. With ACLs disabled every caller may do everything,
/// as in Nomad.
struct Caller: Sendable {
    /// The resolved token; `nil` when ACLs are disabled.
    let token: ACLToken?
    let acl: ACL
    /// The version of the policies table the ACL was compiled from.
    let policiesIndex: UInt64

    static let unrestricted = Caller(token: nil, acl: .management, policiesIndex: 0)

    var isManagement: Bool { acl.isManagement }

    /// Names what the caller may see, for answers filtered by it: empty for a caller who sees
    /// everything, else the token's policies and the policies' version. Built only by the routes
    /// that filter, not on every request.
    var view: String {
        guard !acl.isManagement, let token else { return "" }
        return "policies=\(token.policies.sorted().joined(separator: ","))@\(policiesIndex)"
    }

    /// Refuses the request with `403 Permission denied` unless `allowed`.
    func require(_ allowed: Bool) throws(APIError) {
        guard allowed else { throw APIError.permissionDenied }
    }

    /// Refuses the request unless the caller's ACL has `rule` (`\.allowsNodeRead`, …).
    func require(_ rule: KeyPath<ACL, Bool>) throws(APIError) {
        try require(acl[keyPath: rule])
    }

    func require(_ capability: NamespaceCapability, inNamespace namespace: String) throws(APIError) {
        try require(acl.allows(capability, inNamespace: namespace))
    }

    /// Refuses the request unless the caller has one of `capabilities` in `namespace`.
    func require(anyOf capabilities: [NamespaceCapability], inNamespace namespace: String) throws(APIError) {
        try require(acl.allowsAny(of: capabilities, inNamespace: namespace))
    }

    /// Refuses the request unless it carries a management token.
    func requireManagement() throws(APIError) {
        try require(acl.isManagement)
    }

    /// Which namespaces' objects the caller sees under `capability`: `nil` when it sees every
    /// namespace (a management token), else a test of one namespace. Objects are tested by the
    /// namespace they name, whether or not the namespace table holds it (jobs written before
    /// namespaces existed may name one it does not).
    func visibility(_ capability: NamespaceCapability) -> (@Sendable (String) -> Bool)? {
        visibility(anyOf: [capability])
    }

    /// Which namespaces' objects the caller sees under any of `capabilities` (see
    /// ``visibility(_:)``).
    func visibility(anyOf capabilities: [NamespaceCapability]) -> (@Sendable (String) -> Bool)? {
        guard !acl.isManagement else { return nil }
        let acl = self.acl
        return { acl.allowsAny(of: capabilities, inNamespace: $0) }
    }
}
