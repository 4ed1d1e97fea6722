import CaravanHCL
import Testing

@Suite("Heredocs")
struct HeredocTests {
    private func heredoc(_ source: String) throws -> String? {
        try HCLParser.parse(source).attribute("s")?.value.stringValue
    }

    @Test("a <<EOF heredoc keeps its lines as written, each ending with a newline")
    func plainHeredoc() throws {
        #expect(try heredoc("s = <<EOF\nline one\n  line two\nEOF\n") == "line one\n  line two\n")
    }

    @Test("the closing marker may be indented and followed by blank space")
    func indentedClosingMarker() throws {
        #expect(try heredoc("s = <<EOT\nhello\n    EOT   \nt = 1") == "hello\n")
        #expect(try HCLParser.parse("s = <<EOT\nhello\n    EOT   \nt = 1").attribute("t")?.value == .number("1"))
    }

    @Test("a <<-EOF heredoc strips the common leading whitespace of its non-blank lines")
    func indentedHeredoc() throws {
        let source = "s = <<-EOF\n    a\n      b\n\n    c\n  EOF\n"
        #expect(try heredoc(source) == "a\n  b\n\nc\n")
    }

    @Test("a heredoc with no content lines is the empty string")
    func emptyHeredoc() throws {
        #expect(try heredoc("s = <<EOF\nEOF") == "")
    }

    @Test("heredoc content is literal: backslashes and interpolations are kept verbatim")
    func literalContent() throws {
        #expect(try heredoc("s = <<EOF\n\\n ${var.x} $${y}\nEOF\n") == "\\n ${var.x} $${y}\n")
    }

    @Test("a line that only contains the marker as a prefix or suffix does not close the heredoc")
    func markerMustStandAlone() throws {
        #expect(try heredoc("s = <<EOF\nEOFX\nNOT EOF\nEOF\n") == "EOFX\nNOT EOF\n")
    }

    @Test("heredocs work as list elements, followed by further items")
    func heredocInList() throws {
        let body = try HCLParser.parse("l = [<<A\nx\nA\n, \"y\"]\nnext = true\n")
        #expect(body.attribute("l")?.value == .list([.string("x\n"), .string("y")]))
        #expect(body.attribute("next")?.value == .bool(true))
    }

    @Test("a heredoc written with CRLF line endings yields LF-terminated lines")
    func crlfHeredoc() throws {
        #expect(try heredoc("s = <<-EOF\r\n  a\r\n  b\r\n  EOF\r\n") == "a\nb\n")
    }

    @Test("a Nomad job template heredoc parses inside nested blocks")
    func jobTemplate() throws {
        let source = """
            job "web" {
              group "g" {
                task "t" {
                  template {
                    data = <<-EOH
                      PORT={{ env "NOMAD_PORT_http" }}
                      ADDR=${NOMAD_ADDR_http}
                    EOH
                    destination = "local/env"
                  }
                }
              }
            }
            """
        let template = try #require(
            HCLParser.parse(source).blocks.first?.body.blocks.first?.body.blocks.first?.body.blocks.first)
        #expect(template.body.attribute("data")?.value == .string("PORT={{ env \"NOMAD_PORT_http\" }}\nADDR=${NOMAD_ADDR_http}\n"))
        #expect(template.body.attribute("destination")?.value == .string("local/env"))
    }
}
