import CaravanHCL
import Testing

@Suite("Source positions")
struct PositionTests {
    @Test("columns count Unicode scalars, so a combining accent counts as its own column")
    func scalarColumns() throws {
        let error = try #require(#expect(throws: HCLParseError.self) { try HCLParser.parse("a = \"e\u{301}\" ?") })
        #expect(error.position == HCLPosition(line: 1, column: 10))
    }

    @Test("a tab counts as one column")
    func tabs() throws {
        let body = try HCLParser.parse("x {\n\t\tname = 1\n}")
        #expect(body.blocks.first?.body.attribute("name")?.position == HCLPosition(line: 2, column: 3))
    }

    @Test("lines keep counting through heredocs and multi-line block comments")
    func linesAfterMultilineTokens() throws {
        let body = try HCLParser.parse("a = <<EOF\n1\n2\nEOF\n/*\n\n*/ b = 1\nc = [\n\"x\"]\nd = 2")
        #expect(body.attribute("b")?.position == HCLPosition(line: 7, column: 4))
        #expect(body.attribute("d")?.position == HCLPosition(line: 10, column: 1))
    }

    @Test("object items record the position of their key")
    func objectItemPositions() throws {
        let value = try HCLParser.parse("o = {\n  \"k\": 1\n}").attribute("o")?.value
        #expect(value?.objectValue?.first?.position == HCLPosition(line: 2, column: 3))
    }
}
