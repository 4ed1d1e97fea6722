/// A named set of ACL rules, as Nomad stores it: the rules are kept as the text the operator
/// wrote (HCL or JSON) and compiled by whoever enforces them.
public struct ACLPolicy: Sendable, Hashable {
    public var name: String
    public var description: String
    public var rules: String
    public var createIndex: UInt64
    public var modifyIndex: UInt64

    public init(name: String, description: String = "", rules: String, createIndex: UInt64 = 0, modifyIndex: UInt64 = 0) {
        self.name = name
        self.description = description
        self.rules = rules
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
    }

    /// The name every request without a token is checked against: operators grant anonymous
    /// access by creating a policy with this name.
    public static let anonymousName = "anonymous"
}

extension ACLPolicy: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("Name", name)
        json.field("Description", description)
        json.field("Rules", rules)
        json.key("JobACL")
        json.null()
        json.field("CreateIndex", createIndex)
        json.field("ModifyIndex", modifyIndex)
        json.endObject()
    }
}

/// A policy as `GET /v1/acl/policies` lists it: without its rules.
public struct ACLPolicyListStub: JSONWritable, Sendable {
    public let policy: ACLPolicy

    public init(_ policy: ACLPolicy) { self.policy = policy }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("Name", policy.name)
        json.field("Description", policy.description)
        json.field("CreateIndex", policy.createIndex)
        json.field("ModifyIndex", policy.modifyIndex)
        json.endObject()
    }
}
