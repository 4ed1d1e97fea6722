import CaravanModel
import Testing

/// How selectors walk a JSON datum.
struct SelectorTests {
    @Test("dotted, indexed, numeric and JSON pointer selectors reach nested values")
    func forms() throws {
        #expect(try passes("Meta.foo == bar"))
        #expect(try passes("Meta[\"key with spaces\"] == yes"))
        #expect(try passes("Meta[`foo`] == bar"))
        #expect(try passes("Datacenters.1 == dc2"))
        #expect(try passes("Topologies.0.Segments.rack == r1"))
        #expect(try passes("\"/Meta/foo\" == bar"))
        #expect(try passes("\"/NodeResources/Cpu/CpuShares\" == 4000"))
    }

    @Test("JSON pointer selectors unescape ~1 to / and ~0 to ~")
    func pointerEscapes() throws {
        let datum: JSONValue = .object(["a/b": .object(["c~d": .int(1)])])
        #expect(try passes("\"/a~1b/c~0d\" == 1", datum))
    }

    @Test("a bare word value is its own text, including dots")
    func bareWords() throws {
        let datum: JSONValue = .object(["Host": .string("example.com")])
        #expect(try passes("Host == example.com", datum))
    }

    @Test("a missing key answers like a missing map key in go-bexpr")
    func missingKeys() throws {
        #expect(try !passes("Meta.absent == x"))
        #expect(try passes("Meta.absent != x"))
        #expect(try !passes("x in Meta.absent"))
        #expect(try passes("x not in Meta.absent"))
        #expect(try passes("Meta.absent is empty"))
        #expect(try !passes("Meta.absent is not empty"))
        #expect(try !passes("Meta.absent matches \".*\""))
        #expect(try passes("Nope.deeper.still is nil"))
        #expect(try !passes("Meta.absent > 1"))
    }

    @Test("a null field answers like a missing one")
    func nullFields() throws {
        #expect(try !passes("Context == x"))
        #expect(try passes("Context is empty"))
        #expect(try !passes("Context.inner == x"))
    }

    @Test("selecting into a string or number is an error finding the value")
    func selectingIntoScalars() throws {
        #expect(
            try evaluationFailure("ID.x == 1")
                == "error finding value in datum: /ID/x: at part 1, invalid value kind: string")
        #expect(
            try evaluationFailure("NodeResources.Cpu.CpuShares.x == 1")
                == "error finding value in datum: /NodeResources/Cpu/CpuShares/x: at part 3, invalid value kind: int64")
    }

    @Test("list indexes must be numbers within the list")
    func listIndexes() throws {
        #expect(
            try evaluationFailure("Datacenters.5 == dc1")
                == "error finding value in datum: /Datacenters/5 at part 1: index 5 is out of range (length = 2)")
        #expect(
            try evaluationFailure("Datacenters[\"x\"] == dc1")
                == "error finding value in datum: /Datacenters/x at part 1: couldn't convert value \"x\" to type int")
    }
}
