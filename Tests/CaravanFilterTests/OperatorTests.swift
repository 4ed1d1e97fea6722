import CaravanModel
import Testing

/// Every operator, each with an expression that passes and one that does not.
struct OperatorTests {
    @Test(
        "each operator holds for the matching value and fails for another",
        arguments: [
            ("ID == \"vol-01\"", "ID == \"vol-02\""),
            ("ID != \"vol-02\"", "ID != \"vol-01\""),
            ("\"dc1\" in Datacenters", "\"dc3\" in Datacenters"),
            ("\"dc3\" not in Datacenters", "\"dc1\" not in Datacenters"),
            ("Datacenters contains \"dc2\"", "Datacenters contains \"dc9\""),
            ("Datacenters not contains \"dc9\"", "Datacenters not contains \"dc2\""),
            ("ID matches \"^vol-0[123]\"", "ID matches \"^vol-0[456]\""),
            ("ID not matches \"^snap\"", "ID not matches \"^vol\""),
            ("Description is empty", "ID is empty"),
            ("ID is not empty", "Description is not empty"),
            ("Context is nil", "Meta is nil"),
            ("Meta is not nil", "Context is not nil"),
            ("ControllersHealthy < 3", "ControllersHealthy < 2"),
            ("ControllersHealthy <= 2", "ControllersHealthy <= 1"),
            ("ControllersHealthy > 1", "ControllersHealthy > 2"),
            ("ControllersHealthy >= 2", "ControllersHealthy >= 3"),
        ])
    func operatorHoldsAndFails(passing: String, failing: String) throws {
        #expect(try passes(passing))
        #expect(try !passes(failing))
    }

    @Test("in and contains look for a substring in a string and a key in a map")
    func stringsAndMaps() throws {
        #expect(try passes("\"ebs\" in PluginID"))
        #expect(try !passes("\"gce\" in PluginID"))
        #expect(try passes("Meta contains foo"))
        #expect(try !passes("Meta contains bar"))
    }

    @Test("a literal is read as the field's type: numbers, quoted numbers and Go's boolean words")
    func coercion() throws {
        #expect(try passes("ControllersHealthy == 2"))
        #expect(try passes("ControllersHealthy == \"2\""))
        #expect(try passes("ControllersHealthy == \"0x2\""))
        #expect(try !passes("ControllersHealthy == 3"))
        #expect(try passes("Ratio == 0.5"))
        #expect(try passes("Schedulable == true"))
        #expect(try passes("Schedulable == T"))
        #expect(try !passes("Schedulable == false"))
        #expect(try passes("443 in Ports"))
        #expect(try !passes("8080 in Ports"))
        #expect(try passes("Meta.count == 3"))
        #expect(try !passes("Meta.count == 3.0"))
    }

    @Test("a number literal compared with a string field compares its text")
    func numberAgainstString() throws {
        let datum: JSONValue = .object(["Version": .string("10")])
        #expect(try passes("Version == 10", datum))
        #expect(try !passes("Version == 10.0", datum))
    }

    @Test("ordering compares strings byte-wise and numbers numerically")
    func ordering() throws {
        #expect(try passes("ID < \"vol-02\""))
        #expect(try !passes("ID > \"vol-02\""))
        #expect(try passes("Ratio < 1"))
        #expect(try passes("NodeResources.Cpu.CpuShares > 100"))
        #expect(try passes("ControllersHealthy < 2.5"))
    }

    @Test("matches finds the pattern anywhere unless it is anchored")
    func regexIsPartial() throws {
        #expect(try passes("PluginID matches \"ebs\""))
        #expect(try !passes("PluginID matches \"^ebs\""))
        #expect(try passes("PluginID matches `^aws-ebs\\d$`"))
        #expect(try passes("ID matches \"(?i)VOL\""))
    }

    @Test("not binds tighter than and, and and tighter than or")
    func precedence() throws {
        #expect(try passes("ID == \"x\" and ID == \"y\" or Namespace == \"non-default\""))
        #expect(try !passes("ID == \"x\" and (ID == \"y\" or Namespace == \"non-default\")"))
        #expect(try passes("not ID == \"x\" and Namespace == \"non-default\""))
        #expect(try !passes("not (ID == \"vol-01\" and Namespace == \"non-default\")"))
        #expect(try passes("not not ID == \"vol-01\""))
        #expect(try !passes("not not not ID == \"vol-01\""))
        #expect(try passes("((ID == \"vol-01\"))"))
    }

    @Test("any and all quantify over list elements and map keys")
    func quantifiers() throws {
        #expect(try passes("any Datacenters as dc { dc == \"dc2\" }"))
        #expect(try !passes("all Datacenters as dc { dc == \"dc2\" }"))
        #expect(try passes("all Ports as p { p > 10 }"))
        #expect(try passes("any Meta as k { k == \"foo\" }"))
        #expect(try passes("any Meta as k, v { k == \"foo\" and v == \"bar\" }"))
        #expect(try passes("any Topologies as _, t { t.Segments.rack == \"r1\" }"))
        #expect(try passes("all Missing as x { x == 1 }"))
        #expect(try !passes("any Missing as x { x == 1 }"))
    }

    @Test("Nomad's documented examples decide a volume")
    func nomadExamples() throws {
        #expect(try passes("Namespace == \"non-default\""))
        #expect(try passes("Meta.foo == \"bar\""))
        #expect(try passes("PluginID == \"aws-ebs0\" and Schedulable == true"))
        #expect(try !passes("Namespace == \"default\" or not (\"dc1\" in Datacenters)"))
    }
}
