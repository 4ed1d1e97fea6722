/// A namespace: the scope that jobs live in and that namespace ACL rules name. `default` always
/// exists.
public struct Namespace: Sendable, Hashable {
    public var name: String
    public var description: String
    public var quota: String
    public var meta: [String: String]
    public var createIndex: UInt64
    public var modifyIndex: UInt64

    public init(
        name: String, description: String = "", quota: String = "", meta: [String: String] = [:], createIndex: UInt64 = 0,
        modifyIndex: UInt64 = 0
    ) {
        self.name = name
        self.description = description
        self.quota = quota
        self.meta = meta
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
    }

    public static let defaultName = "default"

    /// The `default` namespace as it is before an operator describes it.
    public static let builtInDefault = Namespace(name: defaultName, description: "Default shared namespace", createIndex: 1, modifyIndex: 1)

    /// Whether `name` is a valid namespace name: Nomad's `^[a-zA-Z0-9-]{1,128}$`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 128
            && name.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
            }
    }
}

extension Namespace: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("Name", name)
        json.field("Description", description)
        json.field("Quota", quota)
        json.key("Meta")
        if meta.isEmpty { json.null() } else { meta.write(to: &json) }
        json.key("Capabilities")
        json.null()
        json.key("NodePoolConfiguration")
        json.null()
        json.field("CreateIndex", createIndex)
        json.field("ModifyIndex", modifyIndex)
        json.endObject()
    }
}
