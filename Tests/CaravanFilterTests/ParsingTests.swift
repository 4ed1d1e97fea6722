import CaravanFilter
import CaravanModel
import Testing

/// What the parser accepts: go-bexpr's grammar, spacing, literals and keywords.
struct ParsingTests {
    @Test(
        "go-bexpr's expression forms parse",
        arguments: [
            "foo == 3", "foo==3", "  foo  ==  3  ", "foo != xyz", "list is empty", "list is not empty",
            "foo in bar", "foo not in bar", "bar contains foo", "bar not contains foo", "foo matches bar",
            "foo not matches bar", "foo is nil", "foo is not nil", "not foo == 3", "a == 1 and b == 2 or c == 3",
            "(a == 1)", "( a == 1 )", "foo/bar == 3", "foo.bar.meta.tags.ENV contains environment",
            "\"/hy-phen/under_score/pi|pe/do.t/ti~lde/co:lon\" == 3", "foo[\"x y\"].z == -3.25",
            "foo == `raw \\n`", "foo == \"\\u00e9\\x41\\101\"", "foo == 0", "foo == \"\"", "a == 1 and\n\tb == 2",
            "any list as x { x == 1 }", "all map as k, v { k != v }", "any list as _, v { v == 1 }",
            "any list as i, _ { i == 0 }", "not == 3", "notfoo == 3", "foo < 3", "foo >= -1",
        ])
    func accepts(expression: String) throws {
        _ = try FilterExpression(expression)
    }

    @Test("double-quoted strings take Go's escapes but cannot hold a quote; backquoted strings are raw")
    func stringLiterals() throws {
        let datum = JSONValue.object(["s": .string("a\"b\té\\")])
        #expect(parseFailure("s == \"a\\\"b\"") == "1:6 (5): rule \"string\": invalid syntax")
        #expect(try passes("s == \"a\\x22b\\t\\u00e9\\\\\"", datum))
        #expect(try passes("s == `a\"b\té\\`", datum))
        #expect(try !passes("s == `a\"b\\té\\`", datum))
    }

    @Test("a word that is a keyword is a selector where no operand follows it")
    func keywordsAsSelectors() throws {
        let datum = JSONValue.object(["not": .int(3), "and": .int(1)])
        #expect(try passes("not == 3", datum))
        #expect(try passes("not not == 3", datum) == false)
        #expect(try passes("and == 1 and not == 3", datum))
    }

    @Test("the expression keeps its text")
    func text() throws {
        #expect(try FilterExpression("ID == x").text == "ID == x")
    }
}
