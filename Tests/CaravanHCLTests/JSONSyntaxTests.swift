import CaravanHCL
import Testing

@Suite("HCL's JSON syntax")
struct JSONSyntaxTests {
    @Test("top-level keys become attributes with their positions; values keep their JSON shape")
    func attributesAndPositions() throws {
        let body = try HCLJSONParser.parse(
            """
            {
              "data_dir": "/var/lib/caravan",
              "server": {"bootstrap_expect": 3, "join": ["a", "b"]},
              "acl": {"enabled": true}, "nothing": null, "ratio": -1.5e3
            }
            """)
        #expect(body.attributes.map(\.name) == ["data_dir", "server", "acl", "nothing", "ratio"])
        #expect(body.attribute("data_dir")?.value == .string("/var/lib/caravan"))
        #expect(body.attribute("data_dir")?.position == HCLPosition(line: 2, column: 3))
        #expect(body.attribute("acl")?.position == HCLPosition(line: 4, column: 3))
        #expect(body.attribute("nothing")?.value == .null)
        #expect(body.attribute("ratio")?.value == .number("-1.5e3"))
        let server = try #require(body.attribute("server")?.value.objectValue)
        #expect(server.map(\.key) == ["bootstrap_expect", "join"])
        #expect(server[0].value == .number("3"))
        #expect(server[0].position == HCLPosition(line: 3, column: 14))
        #expect(server[1].value == .list([.string("a"), .string("b")]))
    }

    @Test("string escapes, surrogate pairs included, are decoded")
    func escapes() throws {
        let body = try HCLJSONParser.parse(#"{"s": "a\"b\\c\/d\n\u00e9\ud83d\ude00"}"#)
        #expect(body.attribute("s")?.value == .string("a\"b\\c/d\né😀"))
    }

    @Test("malformed JSON is refused, naming the line and column")
    func refusals() {
        func refusal(_ text: String) -> String? {
            do {
                _ = try HCLJSONParser.parse(text)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(refusal("[1]") == "line 1, column 1: expected '{': the top level of a JSON configuration is an object")
        #expect(refusal("{\"a\": 1,\n\"a\": 2}") == "line 2, column 1: key 'a' redefined; it was already defined at line 1")
        #expect(refusal("{\"a\": tru}") == "line 1, column 7: expected a value, found an unknown word")
        #expect(refusal("{\"a\": 01}") == "line 1, column 8: expected ',' or '}' after the value of object key 'a', found '1'")
        #expect(refusal("{\"a\": [1, 2}") == "line 1, column 12: expected ',' or ']' after an array element, found '}'")
        #expect(refusal("{\"a\": \"x") == "line 1, column 7: unterminated string")
        #expect(refusal("{\n\"a\": {") == "line 2, column 6: unclosed '{'; expected '}' before end of input")
        #expect(refusal("{} x") == "line 1, column 4: unexpected 'x' after the top-level object")
        #expect(refusal("{\"a\": \"\\q\"}") == "line 1, column 8: invalid escape '\\q' in a string")
    }

    @Test("nesting deeper than the parser's bound is refused instead of recursing")
    func depth() {
        let deep = "{\"a\": " + String(repeating: "[", count: HCLParser.maximumNestingDepth + 1)
        #expect(throws: HCLParseError.self) { try HCLJSONParser.parse(deep) }
    }
}
