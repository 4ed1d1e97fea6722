import CaravanFilter
import CaravanModel
import Testing

/// Hostile input: deep nesting, long chains and random text throw instead of crashing.
struct RobustnessTests {
    @Test("100,000 nested parentheses are refused at the nesting limit")
    func deepParentheses() {
        let expression = String(repeating: "(", count: 100_000) + "a == 1" + String(repeating: ")", count: 100_000)
        #expect(parseFailure(expression) == "1:101 (100): expression nests deeper than 100 levels")
    }

    @Test("100 nested parentheses are within the limit")
    func nestingAtTheLimit() throws {
        let expression = String(repeating: "(", count: 100) + "ID == \"vol-01\"" + String(repeating: ")", count: 100)
        #expect(try passes(expression))
    }

    @Test("100,000 nots and 10,000-term chains parse and evaluate without recursion")
    func longChains() throws {
        #expect(try passes(String(repeating: "not ", count: 100_000) + "ID == \"vol-01\""))
        let terms = (0..<10_000).map { "ID == \"vol-\($0)\"" }
        #expect(try !passes(terms.joined(separator: " or ")))
        #expect(try passes(terms.joined(separator: " or ") + " or ID == \"vol-01\""))
        #expect(try !passes(terms.joined(separator: " and ")))
    }

    @Test("an expression longer than the length limit is refused")
    func lengthLimit() {
        let message = parseFailure("ID == \"" + String(repeating: "x", count: 1 << 20) + "\"")
        #expect(message?.hasPrefix("1:1 (0): filter expression is") == true)
    }

    @Test("random text either parses or throws, and what parses evaluates or throws")
    func randomText() {
        let alphabet = Array("abcXYZ019 \t\n()[]{}\"`\\/.,_-~:|=!<>é∂😀\u{0}".unicodeScalars)
        let words = ["and ", "or ", "not ", "in ", "is ", "empty", "contains ", "matches ", "any ", "all ", "as ", "Meta", "ID"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var parsed = 0
        for _ in 0..<3_000 {
            var text = ""
            for _ in 0..<next(40) {
                if next(3) == 0 { text += words[next(words.count)] } else { text.unicodeScalars.append(alphabet[next(alphabet.count)]) }
            }
            guard let filter = try? FilterExpression(text) else { continue }
            parsed += 1
            _ = try? filter.evaluate(volume)
        }
        #expect(parsed < 3_000)
    }
}
