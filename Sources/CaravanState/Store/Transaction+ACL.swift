import CaravanModel
import HashTreeCollections

/// The ACL and namespace commands. Like every command, each checks all of its preconditions
/// before it changes anything.
extension Transaction {
    mutating func bootstrapACL(_ token: ACLToken) -> Result<CommandOutcome, StateError> {
        guard state.aclBootstrapIndex == 0 else { return .failure(.aclBootstrapDone(resetIndex: state.aclBootstrapIndex)) }
        // Replacing a stored token here would leave its old secret pointing at it.
        guard state.aclTokens[token.accessorID] == nil else {
            return .failure(.invalidCommand("ACL token \(token.accessorID) already exists"))
        }
        if let refusal = secretConflict(in: [token]) { return .failure(refusal) }
        state.aclBootstrapIndex = index
        return .success(.aclTokens([store(token, previous: nil)]))
    }

    mutating func upsertACLPolicies(_ policies: [ACLPolicy]) -> CommandOutcome {
        for var policy in policies {
            policy.createIndex = state.aclPolicies[policy.name]?.createIndex ?? index
            policy.modifyIndex = index
            state.aclPolicies[policy.name] = policy
        }
        if !policies.isEmpty { changes.insert(.table(.aclPolicies)) }
        return .none
    }

    mutating func deleteACLPolicies(_ names: [String]) -> CommandOutcome {
        for name in names where state.aclPolicies.removeValue(forKey: name) != nil {
            changes.insert(.table(.aclPolicies))
        }
        return .none
    }

    /// Creates tokens, or updates them: an update keeps the token's secret, creation time and
    /// creation index, and is refused if the token no longer exists.
    mutating func upsertACLTokens(_ upsert: ACLTokenUpsert) -> Result<CommandOutcome, StateError> {
        if upsert.isUpdate, let missing = upsert.tokens.first(where: { state.aclTokens[$0.accessorID] == nil }) {
            return .failure(.aclTokenNotFound(missing.accessorID))
        }
        if let refusal = secretConflict(in: upsert.tokens) { return .failure(refusal) }
        let stored = upsert.tokens.map { store($0, previous: state.aclTokens[$0.accessorID]) }
        return .success(.aclTokens(stored))
    }

    mutating func deleteACLTokens(_ accessorIDs: [String]) -> CommandOutcome {
        for accessorID in accessorIDs {
            guard let token = state.aclTokens.removeValue(forKey: accessorID) else { continue }
            state.aclAccessorsBySecret[SecretDigest(token.secretID)] = nil
            changes.insert(.table(.aclTokens))
        }
        return .none
    }

    /// A refusal if a new token's secret is already another token's (or another new token's):
    /// a secret names exactly one token. Updated tokens keep their stored secret.
    private func secretConflict(in tokens: [ACLToken]) -> StateError? {
        var claimed: [SecretDigest: String] = [:]
        for token in tokens {
            let secretID = state.aclTokens[token.accessorID]?.secretID ?? token.secretID
            let digest = SecretDigest(secretID)
            let owner = claimed[digest] ?? state.aclAccessorsBySecret[digest]
            if let owner, owner != token.accessorID { return .aclSecretInUse(accessorID: token.accessorID) }
            claimed[digest] = token.accessorID
        }
        return nil
    }

    private mutating func store(_ token: ACLToken, previous: ACLToken?) -> ACLToken {
        var token = token
        if let previous {
            token.secretID = previous.secretID
            token.createTime = previous.createTime
            token.createIndex = previous.createIndex
        } else {
            token.createIndex = index
        }
        token.modifyIndex = index
        state.aclTokens[token.accessorID] = token
        state.aclAccessorsBySecret[SecretDigest(token.secretID)] = token.accessorID
        changes.insert(.table(.aclTokens))
        return token
    }

    mutating func upsertNamespaces(_ namespaces: [Namespace]) -> CommandOutcome {
        for var namespace in namespaces {
            namespace.createIndex = state.namespace(name: namespace.name)?.createIndex ?? index
            namespace.modifyIndex = index
            state.namespaces[namespace.name] = namespace
        }
        if !namespaces.isEmpty { changes.insert(.table(.namespaces)) }
        return .none
    }

    /// Deletes namespaces; refused, for all of them, if one is `default` or still holds a job.
    mutating func deleteNamespaces(_ names: [String]) -> Result<CommandOutcome, StateError> {
        for name in names {
            guard name != Namespace.defaultName else { return .failure(.defaultNamespaceDelete) }
            if let job = state.firstJob(inNamespace: name) { return .failure(.namespaceHasJobs(namespace: name, jobID: job.id)) }
            if let volume = state.firstVolume(inNamespace: name) {
                return .failure(.namespaceHasVolumes(namespace: name, volumeID: volume.id))
            }
        }
        for name in names where state.namespaces.removeValue(forKey: name) != nil {
            changes.insert(.table(.namespaces))
        }
        return .success(.none)
    }
}
