/// How a volume is mounted: its file system type and mount flags. The flags may carry secrets,
/// so every answer shows them as `["[REDACTED]"]`.
public struct CSIMountOptions: Sendable, Hashable {
    public var fsType: String
    public var mountFlags: [String]

    public init(fsType: String = "", mountFlags: [String] = []) {
        self.fsType = fsType
        self.mountFlags = mountFlags
    }

    /// Nomad's equality: the same file system type and the same set of flags.
    public func isEquivalent(to other: CSIMountOptions) -> Bool {
        fsType == other.fsType && Set(mountFlags) == Set(other.mountFlags)
    }
}

extension CSIMountOptions: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init(fsType: try c.optional(String.self, "FSType") ?? "", mountFlags: try c.optional([String].self, "MountFlags") ?? [])
    }
}

extension CSIMountOptions: JSONWritable {
    /// The redacted form every answer carries.
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("FSType", fsType)
        json.key("MountFlags")
        if mountFlags.isEmpty { json.null() } else { ["[REDACTED]"].write(to: &json) }
        json.endObject()
    }
}
