public import CaravanAdmission

/// Why a write (or a read that must see the leader's state) could not be carried out.
public enum SubmitError: Error, Sendable, CustomStringConvertible {
    /// The log could not be appended to; the server refuses writes from then on, since what
    /// is on disk is no longer known.
    case storage(String)
    /// This server serves a read-only view (`caravan replay --serve`).
    case readOnly
    /// No leader was known within the bounded wait.
    case noLeader
    /// The leader that took the write lost its leadership before the write committed; the
    /// write may or may not have been applied.
    case leadershipLost
    /// A membership change or transfer was refused.
    case rejected(String)
    /// The write was refused before it was proposed (by this server or by the leader): invalid,
    /// not allowed, or about a missing object.
    case refused(AdmissionError)
    /// A bound on what this server (or the leader) holds was met: too many requests waiting.
    /// Nothing was proposed; the message names the bound and its limit.
    case overloaded(String)

    public var description: String {
        switch self {
        case .storage(let reason): "log append failed: \(reason)"
        case .readOnly: "this server is a read-only replay; writes are refused"
        case .noLeader: "No cluster leader"
        case .leadershipLost: "leadership lost while committing"
        case .rejected(let reason): reason
        case .refused(let error): error.message
        case .overloaded(let reason): reason
        }
    }
}
