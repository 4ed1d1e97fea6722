/// A volume's identity: volumes are unique per namespace.
public struct VolumeKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var namespace: String
    public var id: String

    public init(namespace: String, id: String) {
        self.namespace = namespace
        self.id = id
    }

    public static func < (a: VolumeKey, b: VolumeKey) -> Bool {
        (a.namespace, a.id) < (b.namespace, b.id)
    }

    /// Nomad's paging token for the volume: `<namespace>.<id>`.
    public var description: String { "\(namespace).\(id)" }
}
