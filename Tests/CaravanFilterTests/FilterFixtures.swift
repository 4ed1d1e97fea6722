import CaravanFilter
import CaravanModel

/// A CSI volume's JSON form, shaped like Nomad's, which the tests filter.
let volume: JSONValue = .object([
    "ID": .string("vol-01"),
    "Namespace": .string("non-default"),
    "PluginID": .string("aws-ebs0"),
    "Schedulable": .bool(true),
    "ControllersHealthy": .int(2),
    "Ratio": .double(0.5),
    "Meta": .object(["foo": .string("bar"), "key with spaces": .string("yes"), "count": .string("3")]),
    "Datacenters": .array([.string("dc1"), .string("dc2")]),
    "Ports": .array([.int(80), .int(443)]),
    "Topologies": .array([.object(["Segments": .object(["rack": .string("r1")])])]),
    "NodeResources": .object(["Cpu": .object(["CpuShares": .int(4000)])]),
    "Secrets": .object([:]),
    "Description": .string(""),
    "Context": .null,
])

func passes(_ expression: String, _ datum: JSONValue = volume) throws -> Bool {
    try FilterExpression(expression).evaluate(datum)
}

func parseFailure(_ expression: String) -> String? {
    do {
        _ = try FilterExpression(expression)
        return nil
    } catch {
        return error.description
    }
}

func evaluationFailure(_ expression: String, _ datum: JSONValue = volume) throws -> String? {
    let filter = try FilterExpression(expression)
    do {
        _ = try filter.evaluate(datum)
        return nil
    } catch {
        return error.description
    }
}
