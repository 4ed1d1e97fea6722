import CaravanModel
import Testing

/// Times as Go's encoding/json writes a `time.Time`.
struct GoTimeTests {
    @Test(
        "RFC 3339 in UTC with nanoseconds, trailing zeros dropped",
        arguments: [
            (Int64(0), "1970-01-01T00:00:00Z"),
            (1_700_000_000_000_000_000, "2023-11-14T22:13:20Z"),
            (1_700_000_000_500_000_000, "2023-11-14T22:13:20.5Z"),
            (1_503_528_434_695_408_057, "2017-08-23T22:47:14.695408057Z"),
            (951_782_400_000_000_000, "2000-02-29T00:00:00Z"),
            (-1, "1969-12-31T23:59:59.999999999Z"),
            (4_102_444_800_000_000_000, "2100-01-01T00:00:00Z"),
        ]
    )
    func rfc3339(nanoseconds: Int64, expected: String) {
        #expect(GoTime.rfc3339(unixNanoseconds: nanoseconds) == expected)
    }
}
