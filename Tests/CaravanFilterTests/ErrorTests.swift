import CaravanModel
import Testing

/// The exact texts of parse and evaluation errors, as go-bexpr words them.
struct ErrorTests {
    @Test(
        "parse errors name pigeon's position and what it expected or why the rule failed",
        arguments: [
            ("NotValid", "1:9 (8): no match found, expected: \"!=\", \".\", \"==\", \"[\", [ \\t\\r\\n] or [a-zA-Z0-9_/]"),
            (
                "\"/hy-phen/under_score/pi|pe/do.t/ti~lde/\" == 3",
                "1:43 (42): no match found, expected: \"in\", \"not\" or [ \\t\\r\\n]"
            ),
            ("foo == 3 bar", "1:10 (9): no match found, expected: \"and\", \"or\", [ \\t\\r\\n] or EOF"),
            (
                "foo == 1 and\nbar ==",
                "2:7 (19): no match found, expected: \"-\", \"0\", \"\\\"\", \"`\", [ \\t\\r\\n], [1-9] or [a-zA-Z]"
            ),
            (
                "",
                "1:1 (0): no match found, expected: \"(\", \"-\", \"0\", \"\\\"\", \"`\", \"all\", \"any\", \"not\", [ \\t\\r\\n], [1-9] or [a-zA-Z]"
            ),
            ("foo == \"abc", "1:12 (11): rule \"string\": Unterminated string literal"),
            ("(foo == 3", "1:10 (9): rule \"grouping\": Unmatched parentheses"),
            ("foo == 3x", "1:9 (8): rule \"number\": Invalid number literal"),
            ("\"x\" in 3", "1:8 (7): rule \"match\": Invalid selector"),
            ("foo[3] == 1", "1:5 (4): rule \"index\": Invalid index"),
            ("foo[\"a\" == 1", "1:9 (8): rule \"index\": Unclosed index expression"),
            ("foo == \"\\q\"", "1:8 (7): rule \"string\": invalid syntax"),
            ("é == 1", "1:1 (0): no match found, expected: \"(\", \"-\", \"0\", \"\\\"\", \"`\", \"all\", \"any\", \"not\", [ \\t\\r\\n], [1-9] or [a-zA-Z]"),
            ("x == 1 é", "1:8 (7): no match found, expected: \"and\", \"or\", [ \\t\\r\\n] or EOF"),
        ])
    func parseError(expression: String, message: String) {
        #expect(parseFailure(expression) == message)
    }

    @Test(
        "evaluation errors use go-bexpr's wording",
        arguments: [
            ("Meta == x", "unable to find suitable primitive comparison function for matching"),
            ("Schedulable == maybe", "error getting match value in expression: strconv.ParseBool: parsing \"maybe\": invalid syntax"),
            ("ControllersHealthy == abc", "error getting match value in expression: strconv.ParseInt: parsing \"abc\": invalid syntax"),
            (
                "ControllersHealthy == 99999999999999999999",
                "error getting match value in expression: strconv.ParseInt: parsing \"99999999999999999999\": value out of range"
            ),
            ("2 in ControllersHealthy", "cannot perform in/contains operations on type int64 for selector: \"ControllersHealthy\""),
            ("ControllersHealthy is empty", "cannot perform is-empty operations on type int64 for selector: \"ControllersHealthy\""),
            ("ID is nil", "cannot perform is-nil operations on type string for selector: \"ID\""),
            ("ControllersHealthy matches \"2\"", "value of type int64 is not convertible to []byte"),
            ("Datacenters matches \"2\"", "value of type []interface {} is not convertible to []byte"),
            ("x in Topologies", "unable to find suitable primitive comparison function for \"in\" comparison in interface slice: map"),
            ("Schedulable > 1", "cannot perform ordering operations on type bool for selector: \"Schedulable\""),
            ("any ID as x { x == 1 }", "ID is not a list or a map"),
            ("any Meta as k { k.Color == red }", "/k references a string so /k/Color is invalid"),
            ("any Datacenters as i, _ { i.x == 1 }", "/i references a int so /i/x is invalid"),
            ("any Datacenters as k, k { k == 1 }", "\"k\" cannot be used as a placeholder for both the index and the value"),
        ])
    func evaluationError(expression: String, message: String) throws {
        #expect(try evaluationFailure(expression) == message)
    }

    @Test("a pattern that does not compile fails evaluation, not parsing, as in go-bexpr")
    func badPattern() throws {
        let message = try #require(try evaluationFailure("ID matches \"(\""))
        #expect(message.hasPrefix("failed to compile regular expression \"(\": "))
        #expect(try evaluationFailure("Missing matches \"(\"") == nil)
    }

    @Test("an error inside not or a short-circuited operand behaves as in go-bexpr")
    func errorsThroughOperators() throws {
        #expect(try evaluationFailure("not Meta == x") == "unable to find suitable primitive comparison function for matching")
        #expect(try evaluationFailure("ID == \"vol-01\" or Meta == x") == nil)
        #expect(try evaluationFailure("ID == nope and Meta == x") == nil)
    }
}
