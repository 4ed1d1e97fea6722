import CaravanHCL
import Testing

/// A tiny deterministic pseudo-random generator (SplitMix64) so fuzz inputs are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Robustness against hostile input")
struct RobustnessTests {
    @Test("exactly the maximum nesting depth parses")
    func maximumDepthParses() throws {
        let depth = HCLParser.maximumNestingDepth
        let list = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try HCLParser.parse("a = \(list)").attribute("a") != nil)
        let blocks = String(repeating: "b {\n", count: depth) + String(repeating: "}\n", count: depth)
        #expect(try HCLParser.parse(blocks).blocks.count == 1)
    }

    @Test("one level past the maximum depth fails with 'nesting too deep' at the offending opener")
    func oneLevelTooDeep() throws {
        let depth = HCLParser.maximumNestingDepth + 1
        let error = try #require(
            #expect(throws: HCLParseError.self) {
                try HCLParser.parse("a = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
            })
        #expect(error.position == HCLPosition(line: 1, column: 4 + depth))
        #expect(error.message.contains("nesting too deep"))
    }

    /// A pathologically deep input, named so test output does not print all of it.
    struct DeepInput: Sendable, CustomTestStringConvertible {
        var name: String
        var source: String
        var testDescription: String { name }
    }

    static let deepInputs: [DeepInput] = [
        DeepInput(name: "lists", source: "a = " + String(repeating: "[", count: 100_000)),
        DeepInput(name: "objects", source: "a = " + String(repeating: "{ k = ", count: 100_000)),
        DeepInput(name: "blocks", source: String(repeating: "b {\n", count: 100_000)),
        DeepInput(name: "lists of objects", source: "a = [" + String(repeating: "{a = [", count: 50_000)),
        DeepInput(name: "template braces", source: "a = \"${" + String(repeating: "{\"${", count: 100_000)),
    ]

    @Test(
        "100000 levels of lists, objects, blocks or template braces fail cleanly instead of overflowing the stack",
        arguments: deepInputs)
    func deepNesting(input: DeepInput) {
        #expect(throws: HCLParseError.self) { try HCLParser.parse(input.source) }
    }

    static let fragments: [String] = [
        "namespace", "policy", "\"read\"", "\"", "{", "}", "[", "]", "=", ":", ",", " ", "  ", "\t", "\n", "\r\n", "\r",
        "${", "$${", "%{", "%%{", "}", "\\", "\\n", "\\u00", "\\U0001F600", "<<EOF\n", "<<-EOF\n", "EOF\n", "  EOF", "#", "//",
        "/*", "*/", "1", "-", "-3.5e2", ".", "e", "true", "null", "é", "日本", "\u{FEFF}", "\u{0}", "😀", "x-y", "_",
    ]

    @Test("thousands of random token soups and byte strings either parse or throw HCLParseError, never crash")
    func randomInputs() {
        var random = SplitMix64(state: 0xC0FF_EE00_1234_5678)
        var parsed = 0
        var failed = 0
        for round in 0..<4000 {
            var source = ""
            if round % 4 == 3 {
                let bytes = (0..<Int.random(in: 0..<64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                source = String(decoding: bytes, as: UTF8.self)
            } else {
                for _ in 0..<Int.random(in: 0..<40, using: &random) {
                    if Int.random(in: 0..<5, using: &random) == 0 {
                        let scalar = Unicode.Scalar(UInt32.random(in: 0..<0x300, using: &random)) ?? "?"
                        source.unicodeScalars.append(scalar)
                    } else {
                        source += Self.fragments[Int.random(in: 0..<Self.fragments.count, using: &random)]
                    }
                }
            }
            do {
                _ = try HCLParser.parse(source)
                parsed += 1
            } catch {
                failed += 1
                #expect(error.position.line >= 1 && error.position.column >= 1, "\(error)")
                #expect(!error.message.isEmpty)
            }
        }
        #expect(parsed + failed == 4000)
        #expect(parsed > 0)
        #expect(failed > 0)
    }

    @Test("a large well-formed policy parses")
    func largeInput() throws {
        var source = ""
        for index in 0..<5000 {
            source += "namespace \"ns-\(index)\" { policy = \"read\"  capabilities = [\"a\", \"b\"] }\n"
        }
        #expect(try HCLParser.parse(source).blocks.count == 5000)
    }
}
