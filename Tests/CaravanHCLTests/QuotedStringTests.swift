import CaravanHCL
import Testing

@Suite("Quoted strings")
struct QuotedStringTests {
    private func string(_ literal: String) throws -> String? {
        try HCLParser.parse("s = \(literal)").attribute("s")?.value.stringValue
    }

    @Test("the escapes \\n \\r \\t \\\" and \\\\ are decoded")
    func simpleEscapes() throws {
        #expect(try string(#""a\nb\rc\td\"e\\f""#) == "a\nb\rc\td\"e\\f")
    }

    @Test("\\uNNNN and \\UNNNNNNNN decode to the Unicode scalar they name")
    func unicodeEscapes() throws {
        #expect(try string(#""\u00e9\u00C9""#) == "éÉ")
        #expect(try string(#""\U0001F600!""#) == "😀!")
    }

    @Test("non-ASCII text and raw tabs are kept as written")
    func nonASCII() throws {
        #expect(try string("\"日本語\tß\"") == "日本語\tß")
    }

    @Test("an interpolation is kept verbatim, including nested braces and quoted strings")
    func interpolationVerbatim() throws {
        #expect(try string(#""${lookup(var.x, "k")}""#) == #"${lookup(var.x, "k")}"#)
        #expect(try string(#""pre-${ { a = "}" }["a"] }-post""#) == #"pre-${ { a = "}" }["a"] }-post"#)
        #expect(try string(#""${env["NOMAD_\"X"]}""#) == #"${env["NOMAD_\"X"]}"#)
        #expect(try string(#""${"inner ${x} done"}""#) == #"${"inner ${x} done"}"#)
    }

    @Test("escapes inside an interpolation are not decoded")
    func escapesInsideInterpolation() throws {
        #expect(try string(#""a\n${f("\n")}""#) == "a\n" + #"${f("\n")}"#)
    }

    @Test("a template directive %{ } is kept verbatim")
    func directiveVerbatim() throws {
        #expect(try string(#""%{ if x }yes%{ endif }""#) == "%{ if x }yes%{ endif }")
    }

    @Test("the escapes $${ and %%{ are kept verbatim and do not open an interpolation")
    func templateEscapes() throws {
        #expect(try string(#""$${literal""#) == "$${literal")
        #expect(try string(#""%%{literal""#) == "%%{literal")
        #expect(try string(#""$${x} and ${y}""#) == "$${x} and ${y}")
    }

    @Test("a lone $ or % and a bare } are ordinary characters")
    func loneSigils() throws {
        #expect(try string(#""$5 100% } {""#) == "$5 100% } {")
    }
}
