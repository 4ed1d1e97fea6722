public import CaravanModel
import HashTreeCollections

/// Reads of the ACL tables and the namespaces.
extension StateVersion {
    public func aclPolicy(name: String) -> ACLPolicy? { aclPolicies[name] }

    /// Policies whose name starts with `prefix`, sorted by name.
    public func aclPolicies(prefix: String = "") -> [ACLPolicy] {
        aclPolicies.values.filter { $0.name.hasPrefix(prefix) }.sorted { $0.name < $1.name }
    }

    public func aclToken(accessorID: String) -> ACLToken? { aclTokens[accessorID] }

    /// The token whose secret is `secretID`. The secret is found by its digest and compared in
    /// constant time, so the time taken does not tell how close a guess came.
    public func aclToken(secretID: String) -> ACLToken? {
        guard let accessorID = aclAccessorsBySecret[SecretDigest(secretID)], let token = aclTokens[accessorID],
            SecretDigest.constantTimeEquals(token.secretID, secretID)
        else { return nil }
        return token
    }

    /// Tokens whose accessor ID starts with `prefix`, sorted by accessor ID.
    public func aclTokens(prefix: String = "") -> [ACLToken] {
        aclTokens.values.filter { $0.accessorID.hasPrefix(prefix) }.sorted { $0.accessorID < $1.accessorID }
    }

    /// The namespace named `name`; `default` always exists.
    public func namespace(name: String) -> Namespace? {
        namespaces[name] ?? (name == Namespace.defaultName ? Namespace.builtInDefault : nil)
    }

    public func namespaceExists(_ name: String) -> Bool { namespace(name: name) != nil }

    /// Namespaces whose name starts with `prefix`, `default` included, sorted by name.
    public func namespaces(prefix: String = "") -> [Namespace] {
        var all = Array(namespaces.values)
        if namespaces[Namespace.defaultName] == nil { all.append(Namespace.builtInDefault) }
        return all.filter { $0.name.hasPrefix(prefix) }.sorted { $0.name < $1.name }
    }

    /// A job in `namespace`, if it holds any (the first by ID).
    public func firstJob(inNamespace namespace: String) -> Job? {
        jobs.values.filter { $0.namespace == namespace }.min { $0.id < $1.id }
    }
}
