import CaravanAdmission
import CaravanCore
public import HTTPTypes

/// An error answered to the client as Nomad answers it: a status code and a plain-text body.
public struct APIError: Error, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public static let invalidMethod = APIError(.methodNotAllowed, "Invalid method")
    public static let notFound = APIError(.notFound, "")
    public static let resourceNotFound = APIError(.notFound, "resource not found")
    public static let invalidIndex = APIError(.badRequest, "Invalid index")
    public static let invalidWait = APIError(.badRequest, "Invalid wait time")
    public static let emptyBody = APIError(.badRequest, "Request body is empty")
    /// A request its token may not make, or made with an unknown token. Never names the token.
    public static let permissionDenied = APIError(.forbidden, "Permission denied")
    public static let aclDisabled = APIError(.badRequest, "ACL support disabled")
    public static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    public static func internalError(_ message: String) -> APIError { APIError(.internalServerError, message) }
}

extension APIError {
    /// The answer to a write or leader read that could not be carried out: 403 on a read-only
    /// replay, 400 for a refused membership change, 429 at a bound (``ServerLimits``), else 500
    /// with the reason (Nomad's `No cluster leader` when there is none).
    init(_ error: SubmitError) {
        switch error {
        case .readOnly: self.init(.forbidden, error.description)
        case .rejected(let reason): self.init(.badRequest, reason)
        case .refused(let refusal): self.init(refusal)
        case .overloaded(let reason): self.init(.tooManyRequests, reason)
        default: self.init(.internalServerError, error.description)
        }
    }

    /// A write refused before it was proposed: 400, 403 or 404 with the reason.
    init(_ error: AdmissionError) {
        switch error.kind {
        case .invalid: self.init(.badRequest, error.message)
        case .forbidden: self.init(.forbidden, error.message)
        case .notFound: self.init(.notFound, error.message)
        case .failed: self.init(.internalServerError, error.message)
        }
    }
}
