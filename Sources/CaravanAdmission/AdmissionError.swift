/// Why a server refused to propose a write: the request's fault, answered as Nomad answers it
/// (400 for invalid input, 403 for a token that may not make it, 404 for a missing object, 500
/// where Nomad's RPC layer answers with the bare error).
public struct AdmissionError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: UInt8, Sendable, Hashable {
        case invalid = 0
        case forbidden = 1
        case notFound = 2
        /// A refusal Nomad answers with 500 and its reason (most volume rules).
        case failed = 3
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public static func invalid(_ message: String) -> AdmissionError { AdmissionError(.invalid, message) }
    /// A request its token may not make, or made with an unknown token. Never names the token.
    public static let permissionDenied = AdmissionError(.forbidden, "Permission denied")
    public static let tokenExpired = AdmissionError(.forbidden, "ACL token expired")
    public static let aclDisabled = AdmissionError(.invalid, "ACL support disabled")
}
