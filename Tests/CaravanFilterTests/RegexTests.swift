import CaravanModel
import Testing

/// Whether `pattern` matches `text` in `T matches `pattern``, as Go's `regexp.MatchString` would say.
private func patternMatches(_ pattern: String, _ text: String) throws -> Bool {
    try passes("T matches `\(pattern)`", .object(["T": .string(text)]))
}

/// The error a `matches` test with `pattern` reports when evaluated, nil if the pattern compiles.
private func patternError(_ pattern: String) throws -> String? {
    try evaluationFailure("T matches `\(pattern)`", .object(["T": .string("x")]))
}

/// The `matches` operator's regular expressions: Go's RE2 syntax and semantics, its errors, and
/// matching time linear in the text.
struct RegexTests {
    @Test(
        "each RE2 feature matches the texts Go matches and no others",
        arguments: [
            // Literals and escapes.
            ("abc", "xxabcxx", true), ("abc", "ab", false),
            (#"a\.c"#, "a.c", true), (#"a\.c"#, "abc", false), (#"\\"#, #"a\b"#, true), (#"\_"#, "_", true),
            (#"\t"#, "a\tb", true), (#"\n"#, "a\nb", true), (#"\n"#, "a b", false),
            (#"\x7F"#, "\u{7F}", true), (#"\x41"#, "A", true), (#"\x{10FFFF}"#, "\u{10FFFF}", true),
            (#"caf\x{e9}"#, "café", true), (#"\101"#, "A", true), (#"\0"#, "\u{0}", true),
            (#"\Qa.b\E"#, "a.b", true), (#"\Qa.b\E"#, "axb", false), (#"\Qa+"#, "a+", true),
            // The dot.
            (".", "", false), ("a.c", "abc", true), ("a.c", "a€c", true), ("a.c", "a\nc", false), ("(?s)a.c", "a\nc", true),
            // Bracket classes.
            ("[abc]", "xbx", true), ("[abc]", "xyz", false), ("^[^a-z0-9]+$", "ABC-", true), ("[^a-z0-9]", "abc123", false),
            ("[^a]", "\n", true), ("[]a]", "]", true), ("[a-]", "-", true), ("[-a]", "-", true), (#"[\]]"#, "]", true),
            (#"[\x41-\x43]"#, "B", true), ("[α-ω]", "λ", true), ("[α-ω]", "Λ", false),
            ("^[[:alpha:]]+$", "abcXYZ", true), ("[[:alpha:]]", "123", false), ("^[[:^digit:]]+$", "abc", true),
            ("[[:digit:]]", "abc", false), ("[[:space:]]", "a\u{0B}b", true), ("^[[:xdigit:]]+$", "09afAF", true),
            ("[[:punct:]]", "a!b", true), ("[[:upper:][:digit:]]", "aZ", true), ("[[:word:]]", "-_-", true),
            ("[[a]", "[", true),
            // Perl classes, ASCII-only as in Go.
            (#"^\d+$"#, "0123", true), (#"\d"#, "٣", false), (#"^\D+$"#, "abc", true), (#"^\w+$"#, "a_Z9", true),
            (#"\w"#, "é", false), (#"\W"#, "a_Z9", false), (#"\s"#, "a b", true), (#"\s"#, "a\u{0B}b", false),
            (#"\S"#, "   ", false), (#"[\d\s]"#, " ", true), (#"^[^\d]+$"#, "abc", true), (#"[\D]"#, "123", false),
            // Unicode general categories.
            (#"\pL"#, "é", true), (#"^\p{Lu}"#, "Éa", true), (#"\p{Lu}"#, "abc", false), (#"\PL"#, "abc", false),
            (#"\p{^L}"#, "ab1", true), (#"^[\p{N}]+$"#, "12٣", true), (#"\p{Any}"#, "x", true), (#"\p{Any}"#, "", false),
            // Anchors: ^ and $ are the text's ends unless (?m).
            ("^abc", "abcd", true), ("^abc", "xabc", false), ("abc$", "xabc", true), ("abc$", "abc\n", false),
            ("^b", "a\nb", false), ("(?m)^b", "a\nb", true), ("a$", "a\nb", false), ("(?m)a$", "a\nb", true),
            (#"\Aab"#, "ab", true), (#"(?m)\Ab"#, "a\nb", false), (#"a\z"#, "ba", true), (#"(?m)a\z"#, "a\nb", false),
            (#"\bfoo\b"#, "a foo b", true), (#"\bfoo\b"#, "afoob", false), (#"\Boo\B"#, "afoob", true),
            (#"\bé"#, " é", false), ("^$", "", true), ("^$", "x", false), ("x^", "x", false),
            // Groups.
            ("(ab)+$", "xabab", true), ("^(?:ab)+$", "abab", true), ("^(?:ab)+$", "aba", false),
            (#"^(?P<year>\d{4})-(?P<month>\d{2})$"#, "2024-05", true), ("^(?<n>a)(?<n>b)$", "ab", true), ("()", "x", true),
            // Case folding.
            ("(?i)VOL", "vol-01", true), ("VOL", "vol-01", false), ("(?i)^[a-z]+$", "ABC", true), ("(?i)[^a-z]", "ABC", false),
            ("(?i)k", "\u{212A}", true), ("(?i)\u{212A}", "k", true), ("(?i)s", "ſ", true), ("(?i)é", "É", true),
            ("(?i)σ", "ς", true), ("(?i)i", "ı", false), ("(?i)[[:upper:]]", "a", true), (#"(?i)\W"#, "\u{212A}", false),
            ("(?i:a)b", "Ab", true), ("(?i:a)b", "AB", false), ("a(?i)b", "aB", true), ("a(?i)b", "AB", false),
            ("(?i)a(?-i)b", "Ab", true), ("(?i)a(?-i)b", "AB", false), ("(?i)(a)B", "Ab", true), ("((?i)a)b", "AB", false),
            // Alternation.
            ("cat|dog", "hotdog", true), ("cat|dog", "bird", false), ("^(cat|dog)$", "cats", false),
            ("a|", "xyz", true), ("|a", "", true), ("^(?:a|b|c)+$", "abcabc", true), ("^(?:a|bc)$", "b", false),
            // Quantifiers, greedy and lazy alike.
            ("^a*$", "", true), ("^a*$", "aaa", true), ("^a+$", "", false), ("^ab?c$", "ac", true), ("^ab?c$", "abbc", false),
            ("^a{3}$", "aaa", true), ("^a{3}$", "aa", false), ("^a{2,}$", "aaaa", true), ("^a{2,}$", "a", false),
            ("^a{2,3}$", "aaa", true), ("^a{2,3}$", "aaaa", false), ("^a{0}b$", "b", true), ("^(?:ab){2}$", "abab", true),
            ("^a*?$", "aaa", true), ("^a+?b", "aab", true), ("^a??b$", "ab", true), ("^a{1,2}?$", "aa", true),
            ("(?U)^a+$", "aa", true), ("^(a*)*$", "aaaa", true), ("^(a*)+b$", "b", true), ("^(?:a?){3}$", "a", true),
            ("^\\b*a", "a", true),
            // A brace that is not a repeat count is a literal, as in Go.
            ("^a{,2}$", "a{,2}", true), ("^a{$", "a{", true), ("^x{01}$", "x{01}", true), ("^{2}$", "{2}", false),
        ])
    func feature(pattern: String, text: String, expected: Bool) throws {
        #expect(try patternMatches(pattern, text) == expected)
    }

    @Test(
        "a pattern Go refuses fails evaluation with Go's error text",
        arguments: [
            ("(ab", "missing closing ): `(ab`"),
            ("ab)", "unexpected ): `ab)`"),
            ("**", "missing argument to repetition operator: `*`"),
            ("a|*", "missing argument to repetition operator: `*`"),
            ("(?i)+", "missing argument to repetition operator: `+`"),
            ("{2}", "missing argument to repetition operator: `{2}`"),
            ("a**", "invalid nested repetition operator: `**`"),
            ("a*+", "invalid nested repetition operator: `*+`"),
            ("a+??", "invalid nested repetition operator: `+??`"),
            ("a{2}{3}", "invalid nested repetition operator: `{2}{3}`"),
            ("a{1000}{1000}", "invalid nested repetition operator: `{1000}{1000}`"),
            ("a{1001}", "invalid repeat count: `{1001}`"),
            ("a{2,1001}", "invalid repeat count: `{2,1001}`"),
            ("a{3,2}", "invalid repeat count: `{3,2}`"),
            ("a{100000000000}", "invalid repeat count: `{100000000000}`"),
            ("(?:a{1000}){2}", "invalid repeat count: `{2}`"),
            ("((a{100}){100})", "invalid repeat count: `{100}`"),
            ("[a", "missing closing ]: `[a`"),
            ("x[a-", "missing closing ]: `[a-`"),
            ("[]", "missing closing ]: `[]`"),
            ("[z-a]", "invalid character class range: `z-a`"),
            ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
            (#"\p{Foo}"#, #"invalid character class range: `\p{Foo}`"#),
            (#"\p{L"#, #"invalid character class range: `\p{L`"#),
            (#"\q"#, #"invalid escape sequence: `\q`"#),
            (#"(a)\1"#, #"invalid escape sequence: `\1`"#),
            (#"\8"#, #"invalid escape sequence: `\8`"#),
            (#"\C"#, #"invalid escape sequence: `\C`"#),
            (#"[\b]"#, #"invalid escape sequence: `\b`"#),
            (#"\x{110000}"#, #"invalid escape sequence: `\x{110000`"#),
            (#"\x{}"#, #"invalid escape sequence: `\x{}`"#),
            (#"\xZZ"#, #"invalid escape sequence: `\xZZ`"#),
            (#"\x4"#, #"invalid escape sequence: `\x4`"#),
            (#"a\"#, "trailing backslash at end of expression: ``"),
            ("(?=a)", "invalid or unsupported Perl syntax: `(?=`"),
            ("(?!a)", "invalid or unsupported Perl syntax: `(?!`"),
            ("(?P=n)", "invalid or unsupported Perl syntax: `(?P`"),
            ("(?>a)", "invalid or unsupported Perl syntax: `(?>`"),
            ("(?i", "invalid or unsupported Perl syntax: `(?i`"),
            ("(?-)", "invalid or unsupported Perl syntax: `(?-)`"),
            ("(?i-m-s)", "invalid or unsupported Perl syntax: `(?i-m-`"),
            ("(?<=a)b", "invalid named capture: `(?<=a)b`"),
            ("(?P<a-b>x)", "invalid named capture: `(?P<a-b>`"),
            ("(?P<>x)", "invalid named capture: `(?P<>`"),
            ("x(?P<n", "invalid named capture: `(?P<n`"),
        ])
    func syntaxError(pattern: String, message: String) throws {
        let failure = try #require(try patternError(pattern))
        #expect(failure.hasSuffix(": error parsing regexp: \(message)"), "\(failure)")
    }

    @Test("the evaluation error quotes the pattern and then Go's regexp error")
    func fullErrorText() throws {
        #expect(
            try patternError("(ab")
                == "failed to compile regular expression \"(ab\": error parsing regexp: missing closing ): `(ab`")
    }

    @Test("a pattern nesting deeper than 1000 groups, or compiling to over 10,000 instructions, is refused")
    func limits() throws {
        let deep = String(repeating: "(", count: 1001) + "a" + String(repeating: ")", count: 1001)
        #expect(try patternError(deep)?.hasSuffix(": error parsing regexp: expression nests too deeply: `\(deep)`") == true)
        let shallow = String(repeating: "(", count: 999) + "a" + String(repeating: ")", count: 999)
        #expect(try patternMatches(shallow, "a"))
        let large = String(repeating: "[a-z]{1000}", count: 11)
        #expect(try patternError(large)?.hasSuffix(": error parsing regexp: expression too large: `\(large)`") == true)
        #expect(try patternMatches("^[a-z]{1000}$", String(repeating: "q", count: 1000)))
        #expect(try patternMatches("^(?:a{10}|b{10}){100}$", String(repeating: "aaaaaaaaaabbbbbbbbbb", count: 50)))
    }

    @Test(
        "patterns that take a backtracking engine exponential time are decided over 10,000 a's and a suffix",
        arguments: [
            ("(a+)+$", "", true),
            ("(a+)+$", "!", false),
            ("(a|a)*b", "", false),
            ("(a*)*b", "", false),
            ("(.*a){20}", "", true),
            ("(.*a){20}b", "", false),
            ("^(a|aa)+$", "b", false),
            ("(?i)(A+)+[^a]$", "", false),
            ("(a+a+)+y", "", false),
            ("^(\\w+\\s?)*$", "!", false),
        ])
    func linearTime(pattern: String, suffix: String, expected: Bool) throws {
        #expect(try patternMatches(pattern, String(repeating: "a", count: 10_000) + suffix) == expected)
    }
}
