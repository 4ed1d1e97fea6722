import CaravanACL
import CaravanHCL
import Testing

/// Policy rules as operators write them, in HCL and in JSON.
struct ACLRulesParserTests {
    @Test("the reference's sample policy parses, shorthands expanded")
    func samplePolicy() throws {
        let rules = try ACLRulesParser.parse(
            """
            namespace "default" { policy = "read"  capabilities = ["csi-register-plugin"] }
            namespace "prod-*"  { capabilities = ["csi-write-volume", "csi-read-volume"] }
            plugin { policy = "read" }   # deny | list | read | write
            node   { policy = "read" }
            """
        )
        #expect(rules.namespaces.map(\.pattern) == ["default", "prod-*"])
        let defaultRule = rules.namespaces[0].capabilities
        #expect(defaultRule.isSuperset(of: [.listJobs, .readJob, .csiListVolume, .csiReadVolume, .csiRegisterPlugin]))
        #expect(!defaultRule.contains(.submitJob))
        #expect(rules.namespaces[1].capabilities == [.csiWriteVolume, .csiReadVolume])
        #expect(rules.plugin == .read)
        #expect(rules.node == .read)
        #expect(rules.agent == nil)
    }

    @Test("write is read plus the write capabilities; neither includes csi-register-plugin or csi-access")
    func shorthands() throws {
        let read = try #require(NamespaceCapability.expanding(policy: "read"))
        let write = try #require(NamespaceCapability.expanding(policy: "write"))
        #expect(write.isStrictSuperset(of: read))
        #expect(write.isSuperset(of: [.submitJob, .csiMountVolume, .csiWriteVolume, .dispatchJob]))
        #expect(!write.contains(.csiRegisterPlugin))
        #expect(!write.contains(.csiAccess))
        #expect(!write.contains(.sentinelOverride))
        #expect(NamespaceCapability.expanding(policy: "deny") == [.deny])
    }

    @Test("an empty namespace policy is no shorthand, as Nomad reads it")
    func emptyPolicy() throws {
        let rules = try ACLRulesParser.parse(#"namespace "default" { policy = ""  capabilities = ["list-jobs"] }"#)
        #expect(rules.namespaces.first?.capabilities == [.listJobs])
    }

    @Test("JSON rules mean what the same HCL means")
    func json() throws {
        let fromJSON = try ACLRulesParser.parse(
            """
            {"namespace": {"default": {"policy": "read", "capabilities": ["csi-register-plugin"]}},
             "plugin": {"policy": "list"}, "operator": [{"policy": "write"}]}
            """
        )
        let fromHCL = try ACLRulesParser.parse(
            """
            namespace "default" {
              policy = "read"
              capabilities = ["csi-register-plugin"]
            }
            plugin { policy = "list" }
            operator { policy = "write" }
            """
        )
        #expect(fromJSON == fromHCL)
    }

    @Test("Nomad's quota, host_volume and node_pool blocks and namespace variables are accepted and grant nothing here")
    func ignoredBlocks() throws {
        let rules = try ACLRulesParser.parse(
            """
            quota { policy = "read" }
            host_volume "shared" { policy = "write" }
            node_pool "prod" { policy = "read" }
            namespace "default" {
              policy = "read"
              variables {
                path "*" { capabilities = ["read"] }
              }
            }
            """
        )
        #expect(rules.namespaces.count == 1)
        #expect(rules.plugin == nil && rules.node == nil)
    }

    @Test(
        "bad rules are refused with the place and the reason",
        arguments: [
            ("namespace \"default\" {\n  policy = \"reed\"\n}", "line 1, column 1: invalid namespace policy \"reed\""),
            ("namespace \"default\" { capabilities = [\"fly\"] }", "line 1, column 1: invalid namespace capability \"fly\""),
            ("namespace \"a b\" { policy = \"read\" }", "line 1, column 1: invalid namespace name \"a b\""),
            ("namespace { policy = \"read\" }", "line 1, column 1: a \"namespace\" block takes one label, got 0"),
            ("plugin \"x\" { policy = \"read\" }", "line 1, column 1: a \"plugin\" block takes no label, got 1"),
            ("\n\nfleet { policy = \"read\" }", "line 3, column 1: unknown block \"fleet\""),
            ("node { policy = \"list\" }", "line 1, column 1: invalid node policy \"list\""),
            ("plugin { policy = \"all\" }", "line 1, column 1: invalid plugin policy \"all\""),
            ("agent { }", "line 1, column 1: a \"agent\" block needs a policy"),
            ("node { capabilities = [\"read\"] }", "line 1, column 1: a \"node\" block takes a policy, not capabilities"),
            ("namespace \"x\" {\n  policy = 3\n}", "line 2, column 3: policy must be a string"),
            ("namespace \"x\" { capabilities = \"read-job\" }", "line 1, column 17: capabilities must be a list of strings"),
            ("namespace \"x\" { colour = \"red\" }", "line 1, column 17: unknown attribute \"colour\" in a \"namespace\" block"),
            ("policy = \"read\"", "line 1, column 1: unexpected attribute \"policy\"; rules are blocks"),
            ("{\"namespace\": 3}", "\"namespace\" must be an object"),
            ("{\"namespace\": {\"default\": {\"policy\": \"sudo\"}}}", "invalid namespace policy \"sudo\""),
            ("{\"plugin\": ", "invalid JSON rules"),
            ("[1]", "line 1, column 1: expected an attribute name or block type"),
        ]
    )
    func refused(text: String, expected: String) {
        #expect(throws: ACLPolicyError.self) { try ACLRulesParser.parse(text) }
        do {
            _ = try ACLRulesParser.parse(text)
        } catch {
            #expect(error.description.hasPrefix(expected), "got: \(error.description)")
        }
    }

    @Test("an HCL syntax error keeps the parser's line and column")
    func syntaxError() {
        do {
            _ = try ACLRulesParser.parse("namespace \"default\" {\n  policy = \"read\n}")
            Issue.record("expected an error")
        } catch {
            #expect(error.position?.line == 2)
        }
    }
}
