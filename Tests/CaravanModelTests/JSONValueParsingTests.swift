import CaravanModel
import Testing

/// Parsing JSON text into a ``JSONValue`` (what list filters evaluate).
struct JSONValueParsingTests {
    @Test("what JSONWriter writes parses back to the value written")
    func roundTrip() throws {
        let value = JSONValue.object([
            "ID": .string("a \"quoted\" \\ name\n\u{1}ü😀"), "Count": .int(-42), "Big": .int(.max), "Ratio": .double(0.25),
            "Flags": .array([.bool(true), .bool(false), .null]), "Empty": .object([:]), "List": .array([]),
            "Nested": .object(["Deep": .array([.object(["x": .int(1)])])]),
        ])
        #expect(try JSONValue(parsing: JSONWriter.encode(value)) == value)
    }

    @Test("escapes, surrogate pairs, exponents and whitespace are read as RFC 8259 says")
    func syntax() throws {
        let text = #" { "a" : "\u00e9\ud83d\ude00\/\t" , "b" : [ 1e2 , -0.5, 12345678901234567890 ] } "#
        #expect(
            try JSONValue(parsing: Array(text.utf8))
                == .object(["a": .string("é😀/\t"), "b": .array([.double(100), .double(-0.5), .double(12345678901234567890)])]))
    }

    @Test("malformed text is an error naming its byte, never a crash", arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "1 2", "{\"a\":}", "\"\\x\""])
    func malformed(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: Array(text.utf8)) }
    }

    @Test("nesting past the limit is an error, not a stack overflow")
    func depth() {
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000) + Array(repeating: UInt8(ascii: "]"), count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
    }
}
