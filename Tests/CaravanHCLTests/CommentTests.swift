import CaravanHCL
import Testing

@Suite("Comments")
struct CommentTests {
    @Test("# and // comments run to the end of the line")
    func lineComments() throws {
        let body = try HCLParser.parse("# leading\na = 1 # trailing\n// another\nb = 2 // trailing\n#")
        #expect(body.attributes.map(\.name) == ["a", "b"])
        #expect(body.attribute("b")?.value == .number("2"))
    }

    @Test("/* */ comments may span lines and sit between tokens")
    func blockComments() throws {
        let body = try HCLParser.parse("/* header\n   more */\na = /* inline */ [1, /* x */ 2]\nb {/**/}\n")
        #expect(body.attribute("a")?.value == .list([.number("1"), .number("2")]))
        #expect(body.blocks(ofType: "b").count == 1)
    }

    @Test("block comments do not nest: the first */ closes the comment")
    func blockCommentsDoNotNest() throws {
        let error = #expect(throws: HCLParseError.self) { try HCLParser.parse("/* a /* b */ c */\n") }
        #expect(error?.position == HCLPosition(line: 1, column: 16))
        #expect(error?.message.contains("unexpected character '*'") == true)
    }

    @Test("comment markers inside strings are text")
    func markersInStrings() throws {
        let body = try HCLParser.parse("a = \"# not // a /* comment\"\n")
        #expect(body.attribute("a")?.value == .string("# not // a /* comment"))
    }

    @Test("comments inside lists and objects are skipped")
    func commentsInCollections() throws {
        let body = try HCLParser.parse("a = [\n  1, # one\n  2 // two\n]\no = {\n  k = 1 # c\n}\n")
        #expect(body.attribute("a")?.value == .list([.number("1"), .number("2")]))
        #expect(body.attribute("o")?.value.objectValue?.map(\.key) == ["k"])
    }
}
