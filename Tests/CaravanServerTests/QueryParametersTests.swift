import Testing

@testable import CaravanServer

/// Query strings decoded as Go decodes them.
struct QueryParametersTests {
    @Test("+ is a space, %XX a byte, a malformed escape stays as sent, the first of repeated keys wins")
    func decoding() {
        let query = QueryParameters("filter=ID+matches+%22a%22&ns=%2A&bad=%zz%4&flag&topic=A&topic=B&empty=")
        #expect(query["filter"] == #"ID matches "a""#)
        #expect(query["ns"] == "*")
        #expect(query["bad"] == "%zz%4")
        #expect(query["flag"] == "")
        #expect(query["topic"] == "A")
        #expect(query["empty"] == "")
        #expect(query["missing"] == nil)
    }

    @Test("the canonical form ignores order and the excluded names")
    func canonical() {
        let a = QueryParameters("namespace=prod&index=5&prefix=a&wait=10s")
        let b = QueryParameters("prefix=a&namespace=prod&index=9")
        #expect(a.canonical(excluding: ["index", "wait"]) == b.canonical(excluding: ["index", "wait"]))
        #expect(a.canonical(excluding: ["index", "wait"]) == "namespace=prod&prefix=a")
    }
}
