import CaravanHCL
import Testing

@Suite("Duplicate attributes")
struct DuplicateAttributeTests {
    @Test("redefining an attribute in the same body is an error naming it and its first line")
    func redefinition() throws {
        let error = try #require(
            #expect(throws: HCLParseError.self) {
                try HCLParser.parse("namespace \"x\" {\n  policy = \"read\"\n  policy = \"write\"\n}\n")
            })
        #expect(error.position == HCLPosition(line: 3, column: 3))
        #expect(error.message == "attribute 'policy' redefined; it was already defined at line 2")
        #expect(error.description == "line 3, column 3: attribute 'policy' redefined; it was already defined at line 2")
    }

    @Test("the same attribute name in different blocks is allowed")
    func differentBodies() throws {
        let body = try HCLParser.parse("a { policy = \"read\" }\nb { policy = \"write\" }\npolicy = \"deny\"\n")
        #expect(body.attribute("policy")?.value == .string("deny"))
    }

    @Test("repeated blocks of one type are allowed")
    func repeatedBlocks() throws {
        let body = try HCLParser.parse("namespace \"a\" {}\nnamespace \"a\" {}\n")
        #expect(body.blocks(ofType: "namespace").count == 2)
    }

    @Test("duplicate keys inside an object value are kept in order, not rejected")
    func objectKeys() throws {
        let body = try HCLParser.parse("o = { k = 1, k = 2 }")
        #expect(body.attribute("o")?.value.objectValue?.map(\.value) == [.number("1"), .number("2")])
    }
}
