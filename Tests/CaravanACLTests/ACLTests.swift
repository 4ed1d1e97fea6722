import CaravanACL
import Testing

/// How a token's policies combine into what it may do.
struct ACLTests {
    private func merged(_ policies: String...) throws -> ACL {
        ACL(merging: try policies.map { try ACLRulesParser.parse($0) })
    }

    @Test("a namespace rule grants in its namespace only")
    func exactNamespace() throws {
        let acl = try merged(#"namespace "default" { policy = "read" }"#)
        #expect(acl.allows(.readJob, inNamespace: "default"))
        #expect(!acl.allows(.submitJob, inNamespace: "default"))
        #expect(!acl.allows(.readJob, inNamespace: "prod"))
        #expect(acl.allowsNamespace("default"))
        #expect(!acl.allowsNamespace("prod"))
    }

    @Test("the exact name wins over any pattern; otherwise the closest pattern governs")
    func closestMatch() throws {
        let acl = try merged(
            #"namespace "*" { policy = "write" }"#,
            #"namespace "prod-*" { policy = "read" }"#,
            #"namespace "prod-secret" { policy = "deny" }"#,
            #"namespace "prod-api-*" { capabilities = ["list-jobs"] }"#
        )
        #expect(acl.allows(.submitJob, inNamespace: "dev"))
        #expect(acl.allows(.readJob, inNamespace: "prod-web"))
        #expect(!acl.allows(.submitJob, inNamespace: "prod-web"))
        #expect(!acl.allows(.readJob, inNamespace: "prod-secret"))
        #expect(!acl.allowsNamespace("prod-secret"))
        #expect(acl.allows(.listJobs, inNamespace: "prod-api-1"))
        #expect(!acl.allows(.readJob, inNamespace: "prod-api-1"))
    }

    @Test("capabilities for one namespace add up across policies, and a deny in any of them wins")
    func mergeAndDeny() throws {
        let union = try merged(
            #"namespace "default" { capabilities = ["list-jobs"] }"#, #"namespace "default" { capabilities = ["submit-job"] }"#)
        #expect(union.allows(.listJobs, inNamespace: "default") && union.allows(.submitJob, inNamespace: "default"))
        let denied = try merged(#"namespace "default" { policy = "write" }"#, #"namespace "default" { policy = "deny" }"#)
        #expect(!denied.allows(.listJobs, inNamespace: "default"))
        let denyCapability = try merged(#"namespace "default" { capabilities = ["deny", "read-job"] }"#)
        #expect(!denyCapability.allows(.readJob, inNamespace: "default"))
    }

    @Test("the request namespace * is allowed when any rule grants the capability")
    func anyNamespace() throws {
        let acl = try merged(#"namespace "team-*" { capabilities = ["list-jobs"] }"#)
        #expect(acl.allows(.listJobs, inNamespace: "*"))
        #expect(!acl.allows(.readJob, inNamespace: "*"))
        let denied = try merged(#"namespace "default" { policy = "deny" }"#)
        #expect(!denied.allows(.listJobs, inNamespace: "*"))
        #expect(!denied.allows(NamespaceCapability.deny, inNamespace: "*"))
    }

    @Test("global levels: the strongest wins, deny above all; list lists plugins but does not read one")
    func globalLevels() throws {
        let list = try merged(#"plugin { policy = "list" }"#)
        #expect(list.allowsPluginList && !list.allowsPluginRead)
        let read = try merged(#"plugin { policy = "list" }"#, #"plugin { policy = "read" }"#)
        #expect(read.allowsPluginList && read.allowsPluginRead)
        let write = try merged(#"plugin { policy = "write" }"#)
        #expect(write.allowsPluginRead)
        let denied = try merged(#"node { policy = "write" }"#, #"node { policy = "deny" }"#)
        #expect(!denied.allowsNodeRead && !denied.allowsNodeWrite)
        let nodeRead = try merged(#"node { policy = "read" }"#, #"agent { policy = "write" }"#, #"operator { policy = "read" }"#)
        #expect(nodeRead.allowsNodeRead && !nodeRead.allowsNodeWrite)
        #expect(nodeRead.allowsAgentRead && nodeRead.allowsAgentWrite)
        #expect(nodeRead.allowsOperatorRead && !nodeRead.allowsOperatorWrite)
    }

    @Test("no policies allow nothing; a management ACL allows everything")
    func extremes() {
        let none = ACL(merging: [])
        #expect(!none.allows(.listJobs, inNamespace: "default") && !none.allowsPluginList && !none.allowsNodeRead)
        #expect(!none.allowsNamespace("default"))
        let management = ACL.management
        #expect(management.allows(.csiAccess, inNamespace: "anything") && management.allowsOperatorWrite && management.allowsNamespace("x"))
    }
}
