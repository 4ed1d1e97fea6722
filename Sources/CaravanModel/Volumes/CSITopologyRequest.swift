/// The topologies a volume asks for: those it must be reachable from, and those it prefers.
public struct CSITopologyRequest: Sendable, Hashable {
    public var required: [CSITopology]
    public var preferred: [CSITopology]

    public init(required: [CSITopology] = [], preferred: [CSITopology] = []) {
        self.required = required
        self.preferred = preferred
    }
}

extension CSITopology {
    /// Whether every segment of `other` is in this topology with the same value.
    public func contains(_ other: CSITopology) -> Bool {
        other.segments.allSatisfy { segments[$0.key] == $0.value }
    }
}

extension CSITopologyRequest: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(required: try c.optional([CSITopology].self, "Required") ?? [], preferred: try c.optional([CSITopology].self, "Preferred") ?? [])
    }
}

extension CSITopologyRequest: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("Required")
        if required.isEmpty { json.null() } else { required.write(to: &json) }
        json.key("Preferred")
        if preferred.isEmpty { json.null() } else { preferred.write(to: &json) }
        json.endObject()
    }
}
