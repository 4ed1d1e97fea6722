import CaravanHCL
import Testing

@Suite("Nomad ACL policies")
struct ACLPolicyTests {
    static let samplePolicy = """
        namespace "default" {
          policy       = "read"
          capabilities = ["csi-register-plugin"]
        }
        namespace "prod-*" { capabilities = ["csi-write-volume", "csi-read-volume"] }
        plugin { policy = "read" }   # deny | list | read | write
        node {
          policy = "write"
        }
        agent { policy = "read" }
        operator { policy = "deny" }
        """

    @Test("the sample ACL policy parses into six top-level blocks in source order")
    func sampleBlockOrder() throws {
        let body = try HCLParser.parse(Self.samplePolicy)
        #expect(body.attributes.isEmpty)
        #expect(body.blocks.map(\.type) == ["namespace", "namespace", "plugin", "node", "agent", "operator"])
        #expect(body.items.count == 6)
    }

    @Test("namespace blocks carry their quoted label, policy and capabilities")
    func namespaceBlocks() throws {
        let body = try HCLParser.parse(Self.samplePolicy)
        let namespaces = body.blocks(ofType: "namespace")
        try #require(namespaces.count == 2)

        #expect(namespaces[0].labels == ["default"])
        #expect(namespaces[0].body.attribute("policy")?.value == .string("read"))
        #expect(namespaces[0].body.attribute("capabilities")?.value == .list([.string("csi-register-plugin")]))

        #expect(namespaces[1].labels == ["prod-*"])
        #expect(namespaces[1].body.attribute("policy") == nil)
        #expect(
            namespaces[1].body.attribute("capabilities")?.value
                == .list([.string("csi-write-volume"), .string("csi-read-volume")]))
    }

    @Test("unlabelled blocks carry a single policy attribute each")
    func unlabelledBlocks() throws {
        let body = try HCLParser.parse(Self.samplePolicy)
        let expected = ["plugin": "read", "node": "write", "agent": "read", "operator": "deny"]
        for (type, policy) in expected {
            let blocks = body.blocks(ofType: type)
            try #require(blocks.count == 1, "block \(type)")
            #expect(blocks[0].labels.isEmpty)
            #expect(blocks[0].body.attributes.count == 1)
            #expect(blocks[0].body.attribute("policy")?.value.stringValue == policy)
        }
    }

    @Test("blocks and attributes record the position of their first token")
    func positions() throws {
        let body = try HCLParser.parse(Self.samplePolicy)
        let blocks = body.blocks
        #expect(blocks.map(\.position) == [1, 5, 6, 7, 10, 11].map { HCLPosition(line: $0, column: 1) })
        #expect(blocks[0].body.attribute("capabilities")?.position == HCLPosition(line: 3, column: 3))
        #expect(blocks[1].body.attribute("capabilities")?.position == HCLPosition(line: 5, column: 22))
    }

    @Test("a one-block policy parses to exactly the expected tree")
    func exactTree() throws {
        let body = try HCLParser.parse("namespace \"default\" {\n  policy = \"read\"\n}\n")
        let expected = HCLBody(items: [
            .block(
                HCLBlock(
                    type: "namespace", labels: ["default"],
                    body: HCLBody(items: [
                        .attribute(
                            HCLAttribute(name: "policy", value: .string("read"), position: HCLPosition(line: 2, column: 3)))
                    ]),
                    position: HCLPosition(line: 1, column: 1)))
        ])
        #expect(body == expected)
    }

    @Test("several attributes on one line of a one-line block are accepted, as Nomad policies write them")
    func severalAttributesOnOneLine() throws {
        let body = try HCLParser.parse(#"namespace "default" { policy = "read"  capabilities = ["x"] }"#)
        let namespace = try #require(body.blocks.first)
        #expect(namespace.body.attributes.map(\.name) == ["policy", "capabilities"])
        #expect(namespace.body.attribute("capabilities")?.value == .list([.string("x")]))
    }

    @Test("a full policy with host volumes, quota and comments parses")
    func richerPolicy() throws {
        let source = """
            // Policy for the ops team
            namespace "*" {
              policy = "write"
              /* allow everything
                 but this */
              capabilities = [
                "submit-job",
                "dispatch-job",
              ]
              variables {
                path "project/*" {
                  capabilities = ["read", "list"]
                }
              }
            }
            host_volume "prod-*" { policy = "read" }
            quota { policy = "read" }
            """
        let body = try HCLParser.parse(source)
        let namespace = try #require(body.blocks(ofType: "namespace").first)
        #expect(namespace.body.attribute("capabilities")?.value.listValue?.count == 2)
        let path = try #require(namespace.body.blocks(ofType: "variables").first?.body.blocks(ofType: "path").first)
        #expect(path.labels == ["project/*"])
        #expect(path.body.attribute("capabilities")?.value == .list([.string("read"), .string("list")]))
        #expect(body.blocks(ofType: "host_volume").first?.labels == ["prod-*"])
    }
}
