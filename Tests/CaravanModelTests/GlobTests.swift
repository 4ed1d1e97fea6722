import CaravanModel
import Testing

/// Nomad's datacenter patterns.
struct GlobTests {
    @Test(
        "* matches any run of characters; everything else matches itself",
        arguments: [
            ("*", "dc1", true), ("dc1", "dc1", true), ("dc1", "dc2", false), ("us-east-*", "us-east-1", true),
            ("us-east-*", "us-west-1", false), ("*-1", "eu-west-1", true), ("a*b*c", "aXXbYYc", true), ("a*b*c", "aXXcYYb", false),
            ("a*a", "a", false), ("**", "", true), ("dc*", "dc", true),
        ])
    func matching(pattern: String, value: String, expected: Bool) {
        #expect(Glob.matches(pattern, value) == expected)
    }
}
