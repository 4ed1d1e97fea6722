import CaravanHCL
import Testing

@Suite("Body layout: blocks, labels and line structure")
struct BodyLayoutTests {
    @Test("an empty or blank input is an empty body")
    func emptyInput() throws {
        #expect(try HCLParser.parse("") == HCLBody())
        #expect(try HCLParser.parse("\n \t\n# only a comment\n") == HCLBody())
    }

    @Test("block labels may be bare identifiers or quoted strings, mixed freely")
    func labels() throws {
        let body = try HCLParser.parse("resource aws_instance \"web server\" label-3 {\n}\n")
        let block = try #require(body.blocks.first)
        #expect(block.type == "resource")
        #expect(block.labels == ["aws_instance", "web server", "label-3"])
        #expect(block.body.items.isEmpty)
    }

    @Test("quoted labels have their escapes decoded")
    func quotedLabelEscapes() throws {
        let body = try HCLParser.parse(#"path "a\"b\u0041" {}"#)
        #expect(body.blocks.first?.labels == ["a\"bA"])
    }

    @Test("empty blocks may be written {} on one line or across lines")
    func emptyBlocks() throws {
        let body = try HCLParser.parse("a {}\nb {\n}\nc \"x\" {\n\n}\n")
        #expect(body.blocks.map(\.type) == ["a", "b", "c"])
        #expect(body.blocks.allSatisfy { $0.body.items.isEmpty })
    }

    @Test("a one-line block holds an attribute on the same line as its braces")
    func oneLineBlock() throws {
        let body = try HCLParser.parse(#"namespace "x" { policy = "read" }"#)
        #expect(body.blocks.first?.body.attribute("policy")?.value == .string("read"))
    }

    @Test("blocks nest, and bodies keep attributes and blocks interleaved in source order")
    func nestedBlocksAndOrder() throws {
        let source = """
            job "example" {
              datacenters = ["dc1"]
              group "cache" {
                count = 1
                task "redis" {
                  driver = "docker"
                  config {
                    image = "redis:7"
                    ports = ["db"]
                  }
                }
              }
              type = "service"
            }
            """
        let job = try #require(HCLParser.parse(source).blocks.first)
        let kinds = job.body.items.map { item -> String in
            switch item {
            case .attribute(let attribute): "attribute \(attribute.name)"
            case .block(let block): "block \(block.type)"
            }
        }
        #expect(kinds == ["attribute datacenters", "block group", "attribute type"])
        let config = try #require(job.body.blocks.first?.body.blocks.first?.body.blocks(ofType: "config").first)
        #expect(config.body.attribute("image")?.value == .string("redis:7"))
        #expect(config.position == HCLPosition(line: 7, column: 7))
    }

    @Test("an attribute may follow another, or a block, on the same line")
    func itemsOnOneLine() throws {
        let body = try HCLParser.parse("a = 1 b = \"two\"  c = [3]\nd {} e = true")
        #expect(body.attributes.map(\.name) == ["a", "b", "c", "e"])
        #expect(body.blocks.map(\.type) == ["d"])
    }

    @Test("CRLF line endings are accepted everywhere and count as one line break")
    func crlf() throws {
        let source = "namespace \"default\" {\r\n  policy = \"read\"\r\n  capabilities = [\r\n    \"a\",\r\n  ]\r\n}\r\n"
        let block = try #require(HCLParser.parse(source).blocks.first)
        #expect(block.body.attribute("capabilities")?.value == .list([.string("a")]))
        #expect(block.body.attribute("capabilities")?.position == HCLPosition(line: 3, column: 3))
    }

    @Test("a leading byte-order mark is skipped and does not count as a column")
    func byteOrderMark() throws {
        let body = try HCLParser.parse("\u{FEFF}a = 1\n")
        #expect(body.attribute("a")?.position == HCLPosition(line: 1, column: 1))
    }

    @Test("identifiers may contain digits, underscores and dashes, and non-ASCII letters")
    func identifiers() throws {
        let body = try HCLParser.parse("a_b-c9 = 1\n_x = 2\nnaïve = 3\n")
        #expect(body.attributes.map(\.name) == ["a_b-c9", "_x", "naïve"])
    }

    @Test("attribute lookup and block filtering find items by name")
    func lookups() throws {
        let body = try HCLParser.parse("x = 1\nb \"1\" {}\nc {}\nb \"2\" {}\n")
        #expect(body.attribute("x")?.value == .number("1"))
        #expect(body.attribute("missing") == nil)
        #expect(body.blocks(ofType: "b").map(\.labels) == [["1"], ["2"]])
        #expect(body.blocks(ofType: "none").isEmpty)
    }
}
