/// A job's identity: jobs are unique per namespace.
public struct JobKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var namespace: String
    public var id: String

    public init(namespace: String, id: String) {
        self.namespace = namespace
        self.id = id
    }

    public static func < (a: JobKey, b: JobKey) -> Bool {
        (a.namespace, a.id) < (b.namespace, b.id)
    }

    public var description: String { "\(namespace)/\(id)" }
}
