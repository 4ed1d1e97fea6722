/// An ACL token: a public accessor ID that names it and a secret ID that authenticates its
/// bearer. A `management` token passes every check; a `client` token has what its policies grant.
///
/// IDs and times are chosen by the server that accepts the request and travel inside the log
/// entry, so every replica stores the same token.
public struct ACLToken: Sendable, Hashable {
    public var accessorID: String
    public var secretID: String
    public var name: String
    public var type: String
    public var policies: [String]
    public var global: Bool
    /// Unix nanoseconds.
    public var createTime: Int64
    /// Unix nanoseconds after which the token no longer authenticates; `nil` never.
    public var expirationTime: Int64?
    public var createIndex: UInt64
    public var modifyIndex: UInt64

    public init(
        accessorID: String, secretID: String, name: String = "", type: String, policies: [String] = [], global: Bool = false,
        createTime: Int64, expirationTime: Int64? = nil, createIndex: UInt64 = 0, modifyIndex: UInt64 = 0
    ) {
        self.accessorID = accessorID
        self.secretID = secretID
        self.name = name
        self.type = type
        self.policies = policies
        self.global = global
        self.createTime = createTime
        self.expirationTime = expirationTime
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
    }

    public static let management = "management"
    public static let client = "client"

    public var isManagement: Bool { type == Self.management }

    /// Whether the token has expired at `now` (Unix nanoseconds).
    public func isExpired(at now: Int64) -> Bool {
        expirationTime.map { $0 <= now } ?? false
    }

    /// The token every request without one is treated as (Nomad's built-in anonymous token).
    public static let anonymous = ACLToken(
        accessorID: "anonymous", secretID: "anonymous", name: "Anonymous Token", type: client,
        policies: [ACLPolicy.anonymousName], createTime: 0
    )
}

extension ACLToken: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("AccessorID", accessorID)
        json.field("SecretID", secretID)
        writeDescription(to: &json)
        json.endObject()
    }

    /// The members a token shares with its list stub.
    fileprivate func writeDescription(to json: inout JSONWriter) {
        json.field("Name", name)
        json.field("Type", type)
        json.key("Policies")
        if policies.isEmpty { json.null() } else { policies.write(to: &json) }
        json.key("Roles")
        json.null()
        json.field("Global", global)
        json.field("CreateTime", GoTime.rfc3339(unixNanoseconds: createTime))
        json.key("ExpirationTime")
        if let expirationTime { json.string(GoTime.rfc3339(unixNanoseconds: expirationTime)) } else { json.null() }
        json.field("CreateIndex", createIndex)
        json.field("ModifyIndex", modifyIndex)
    }
}

/// A token as `GET /v1/acl/tokens` lists it: without its secret.
public struct ACLTokenListStub: JSONWritable, Sendable {
    public let token: ACLToken

    public init(_ token: ACLToken) { self.token = token }

    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("AccessorID", token.accessorID)
        token.writeDescription(to: &json)
        json.endObject()
    }
}
