/// What a write carries besides its command, so that the leader can authorize it as if the
/// request had reached its own API: the caller's token and the request flags that change what the
/// token must allow. A follower forwards them with the command, as Nomad forwards an RPC with its
/// auth token.
public struct WriteCredentials: Sendable, Hashable {
    /// The secret ID of the caller's token; empty for the anonymous token.
    public var secret: String
    /// The request asked to override policies (`PolicyOverride`), which needs `sentinel-override`.
    public var policyOverride: Bool

    public init(secret: String, policyOverride: Bool = false) {
        self.secret = secret
        self.policyOverride = policyOverride
    }

    /// No token: what an anonymous request carries.
    public static let anonymous = WriteCredentials(secret: "")
}
