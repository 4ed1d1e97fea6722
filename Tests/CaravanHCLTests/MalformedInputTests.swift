import CaravanHCL
import Testing

/// One malformed input and the error it must produce.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    var source: String
    var line: Int
    var column: Int
    var fragment: String

    var testDescription: String { "\(fragment) at \(line):\(column)" }
}

@Suite("Malformed input")
struct MalformedInputTests {
    static let cases: [MalformedCase] = [
        MalformedCase(source: "a = \"abc", line: 1, column: 5, fragment: "unterminated string"),
        MalformedCase(source: "x = 1\na = \"ab\ncd\"\n", line: 2, column: 5, fragment: "missing closing quote"),
        MalformedCase(source: "a = \"tail\\", line: 1, column: 5, fragment: "unterminated string"),
        MalformedCase(source: "a = \"\\q\"", line: 1, column: 6, fragment: "invalid escape sequence '\\q'"),
        MalformedCase(source: "a = \"ok \\u12\"", line: 1, column: 9, fragment: "invalid unicode escape '\\u12'"),
        MalformedCase(source: "a = \"\\UFFFFFFFF\"", line: 1, column: 6, fragment: "not a Unicode scalar value"),
        MalformedCase(source: "a = \"\\uD800\"", line: 1, column: 6, fragment: "not a Unicode scalar value"),
        MalformedCase(source: "a = \"${x\"", line: 1, column: 6, fragment: "unterminated template sequence '${'"),
        MalformedCase(source: "a = \"%{ if x \n\"", line: 1, column: 6, fragment: "unterminated template sequence '%{'"),
        MalformedCase(source: "a = 1.", line: 1, column: 5, fragment: "invalid number '1.'"),
        MalformedCase(source: "a = 12abc", line: 1, column: 5, fragment: "invalid number '12abc'"),
        MalformedCase(source: "a = -2e+", line: 1, column: 5, fragment: "invalid number '-2e+'"),
        MalformedCase(source: "a = 1.5.3", line: 1, column: 5, fragment: "invalid number '1.5.3'"),
        MalformedCase(source: "a = foo", line: 1, column: 5, fragment: "unsupported expression 'foo'"),
        MalformedCase(source: "a = 1 + 2", line: 1, column: 7, fragment: "unexpected character '+'"),
        MalformedCase(source: "a = -", line: 1, column: 5, fragment: "unexpected character '-'"),
        MalformedCase(source: "a = .5", line: 1, column: 5, fragment: "unexpected character '.'"),
        MalformedCase(source: "a\u{7} = 1", line: 1, column: 2, fragment: "unexpected character U+0007"),
        MalformedCase(source: "a =", line: 1, column: 4, fragment: "unexpected end of input; expected a value"),
        MalformedCase(source: "a =\nb = 1", line: 1, column: 4, fragment: "expected a value, found a newline"),
        MalformedCase(source: "a = }", line: 1, column: 5, fragment: "expected a value, found '}'"),
        MalformedCase(source: "foo\n", line: 1, column: 4, fragment: "expected '=' or '{' after 'foo', found a newline"),
        MalformedCase(source: "foo : 1", line: 1, column: 5, fragment: "expected '=' or '{' after 'foo', found ':'"),
        MalformedCase(
            source: "namespace \"x\"\n{\n}", line: 1, column: 14,
            fragment: "expected a block label or '{' after the labels of block 'namespace'"),
        MalformedCase(source: "namespace \"x\"", line: 1, column: 14, fragment: "unexpected end of input"),
        MalformedCase(source: "\"quoted\" = 1", line: 1, column: 1, fragment: "expected an attribute name or block type, found a quoted string"),
        MalformedCase(source: "= 1", line: 1, column: 1, fragment: "expected an attribute name or block type, found '='"),
        MalformedCase(source: "a = 1\n}\n", line: 2, column: 1, fragment: "unexpected '}' with no matching '{'"),
        MalformedCase(source: "node {\n  policy = \"write\"\n", line: 1, column: 6, fragment: "unclosed '{'"),
        MalformedCase(source: "a {\n  b {\n  }\n", line: 1, column: 3, fragment: "unclosed '{'"),
        MalformedCase(source: "a = [1, 2", line: 1, column: 5, fragment: "unclosed '['"),
        MalformedCase(source: "a = [\n  1,\n", line: 1, column: 5, fragment: "unclosed '['"),
        MalformedCase(source: "a = { b = 1", line: 1, column: 5, fragment: "unclosed '{'"),
        MalformedCase(source: "a = [1 2]", line: 1, column: 8, fragment: "expected ',' or ']' after a list element, found number '2'"),
        MalformedCase(source: "a = [1,,2]", line: 1, column: 8, fragment: "expected a value, found ','"),
        MalformedCase(source: "a = { b 1 }", line: 1, column: 9, fragment: "expected '=' or ':' after object key 'b'"),
        MalformedCase(source: "a = { [1] = 2 }", line: 1, column: 7, fragment: "expected an object key, found '['"),
        MalformedCase(source: "a = { b = 1 c = 2 }", line: 1, column: 13, fragment: "after the value of object key 'b'"),
        MalformedCase(source: "a = 1,", line: 1, column: 6, fragment: "expected a newline after the value of attribute 'a', found ','"),
        MalformedCase(source: "b {} ]", line: 1, column: 6, fragment: "expected a newline after block 'b', found ']'"),
        MalformedCase(source: "a = 1\nb = 2\na = 3\n", line: 3, column: 1, fragment: "attribute 'a' redefined; it was already defined at line 1"),
        MalformedCase(source: "a = 1 /* never closed\n\n", line: 1, column: 7, fragment: "unterminated block comment"),
        MalformedCase(source: "x = 1\ns = <<EOF\nhello\n", line: 2, column: 5, fragment: "unterminated heredoc; expected closing marker 'EOF'"),
        MalformedCase(source: "s = <<EOF", line: 1, column: 5, fragment: "unterminated heredoc"),
        MalformedCase(source: "s = <<EOF hi\nEOF\n", line: 1, column: 11, fragment: "expected a newline after heredoc marker 'EOF'"),
        MalformedCase(source: "s = <<\nEOF\n", line: 1, column: 7, fragment: "expected a heredoc marker name after '<<'"),
        MalformedCase(source: "s = <\n", line: 1, column: 5, fragment: "unexpected character '<'"),
        MalformedCase(source: "a = \"日本語\" !", line: 1, column: 11, fragment: "unexpected character '!'"),
        MalformedCase(source: "a = 1\r\nb = ?\r\n", line: 2, column: 5, fragment: "unexpected character '?'"),
        MalformedCase(source: "\u{FEFF}a = ?", line: 1, column: 5, fragment: "unexpected character '?'"),
        MalformedCase(source: "a = \u{A0}1", line: 1, column: 5, fragment: "unexpected character U+00A0"),
        MalformedCase(source: "a = \"x\" b", line: 1, column: 10, fragment: "unexpected end of input; expected '=' or '{' after 'b'"),
    ]

    @Test("malformed input fails with the exact position and a clear message", arguments: cases)
    func malformed(testCase: MalformedCase) throws {
        let error = try #require(#expect(throws: HCLParseError.self) { try HCLParser.parse(testCase.source) })
        #expect(error.position == HCLPosition(line: testCase.line, column: testCase.column), "\(error)")
        #expect(error.message.contains(testCase.fragment), "\(error)")
    }

    @Test("error descriptions read 'line L, column C: message' and positions read 'line:column'")
    func descriptions() {
        let error = HCLParseError(position: HCLPosition(line: 3, column: 14), message: "unterminated string")
        #expect(error.description == "line 3, column 14: unterminated string")
        #expect(HCLPosition(line: 3, column: 14).description == "3:14")
    }
}
