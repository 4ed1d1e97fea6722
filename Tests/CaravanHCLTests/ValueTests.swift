import CaravanHCL
import Testing

@Suite("Literal values")
struct ValueTests {
    private func value(_ expression: String) throws -> HCLValue {
        let body = try HCLParser.parse("v = \(expression)")
        return try #require(body.attribute("v")).value
    }

    @Test("numbers keep their literal text", arguments: ["0", "42", "-1", "-1.5", "3.25", "1e3", "2E-5", "6.02e+23", "007"])
    func numbers(text: String) throws {
        #expect(try value(text) == .number(text))
    }

    @Test("true, false and null are literals")
    func keywords() throws {
        #expect(try value("true") == .bool(true))
        #expect(try value("false") == .bool(false))
        #expect(try value("null") == .null)
    }

    @Test("a quoted string is a string value")
    func quotedString() throws {
        #expect(try value(#""read""#) == .string("read"))
        #expect(try value(#""""#) == .string(""))
    }

    @Test("lists accept commas, a trailing comma, newlines and nesting")
    func lists() throws {
        #expect(try value("[]") == .list([]))
        #expect(try value("[1, 2, 3]") == .list([.number("1"), .number("2"), .number("3")]))
        #expect(try value(#"["a",]"#) == .list([.string("a")]))
        #expect(try value("[\n  \"a\",\n\n  \"b\"\n]") == .list([.string("a"), .string("b")]))
        #expect(try value("[\n  1\n  ,2\n]") == .list([.number("1"), .number("2")]))
        #expect(try value("[[1], [], [true, null]]") == .list([.list([.number("1")]), .list([]), .list([.bool(true), .null])]))
    }

    @Test("objects accept '=' or ':', quoted keys, comma or newline separators, and keep source order")
    func objects() throws {
        let parsed = try value("{ b = 1, \"quoted key\" = \"x\", a: true }")
        let items = try #require(parsed.objectValue)
        #expect(items.map(\.key) == ["b", "quoted key", "a"])
        #expect(items.map(\.value) == [.number("1"), .string("x"), .bool(true)])
        #expect(items.map(\.position.column) == [7, 14, 34])

        let multiline = try value("{\n  x = 1\n  y = [2]\n\n  z = {}\n}")
        #expect(
            multiline
                == .object([
                    HCLObjectItem(key: "x", value: .number("1"), position: HCLPosition(line: 2, column: 3)),
                    HCLObjectItem(key: "y", value: .list([.number("2")]), position: HCLPosition(line: 3, column: 3)),
                    HCLObjectItem(key: "z", value: .object([]), position: HCLPosition(line: 5, column: 3)),
                ]))
        #expect(try value("{}") == .object([]))
        #expect(try value("{ a = 1, }") == .object([HCLObjectItem(key: "a", value: .number("1"), position: HCLPosition(line: 1, column: 7))]))
    }

    @Test("convenience accessors return nil for other kinds of value")
    func accessors() throws {
        #expect(HCLValue.number("1").stringValue == nil)
        #expect(HCLValue.string("x").listValue == nil)
        #expect(HCLValue.list([]).objectValue == nil)
        #expect(HCLValue.string("x").stringValue == "x")
    }

    @Test("a bare identifier other than true, false or null is an unsupported expression")
    func bareIdentifier() throws {
        for expression in ["foo", "var.x", "upper(\"a\")", "local-thing"] {
            let error = #expect(throws: HCLParseError.self) { try HCLParser.parse("v = \(expression)") }
            #expect(error?.message.contains("unsupported expression") == true)
            #expect(error?.position == HCLPosition(line: 1, column: 5))
        }
    }
}
