import CaravanACL
import HTTPTypes
import Hummingbird

/// A path as a route table names it: `/v1/` and then literal segments and parameters
/// (`"node/:/status"` for `/v1/node/:node_id/status`). A parameter matches one non-empty
/// segment; a pattern ending in `*` also matches one more segment of any content after it, and
/// one ending in `**` any number of segments (Nomad's prefix routes).
struct RoutePattern: Hashable, CustomStringConvertible {
    enum Segment: Hashable {
        case literal(String)
        case parameter
        case optionalTail
        case rest
    }

    let segments: [Segment]

    /// `"node/:/status"`-style text: `:` a parameter, `*` an optional last segment.
    init(_ text: String) {
        segments = text.split(separator: "/").map { part in
            switch part {
            case ":": .parameter
            case "*": .optionalTail
            case "**": .rest
            default: .literal(String(part))
            }
        }
    }

    /// The parameters `path` (the segments after `/v1/`, decoded) gives this pattern, or `nil`
    /// if it does not match.
    func match(_ path: [String]) -> [String]? {
        let hasTail = segments.last == .optionalTail
        let hasRest = segments.last == .rest
        let fixed = hasTail || hasRest ? segments.count - 1 : segments.count
        guard path.count == fixed || (hasTail && path.count == fixed + 1) || (hasRest && path.count >= fixed) else { return nil }
        var parameters: [String] = []
        for (segment, part) in zip(segments.prefix(fixed), path) {
            switch segment {
            case .literal(let literal): guard part == literal else { return nil }
            case .parameter:
                guard !part.isEmpty else { return nil }
                parameters.append(part)
            case .optionalTail, .rest: return nil
            }
        }
        return parameters
    }

    var description: String {
        "/v1/" + segments.map { segment in
            switch segment {
            case .literal(let literal): literal
            case .parameter: ":"
            case .optionalTail: "*"
            case .rest: "**"
            }
        }.joined(separator: "/")
    }
}

/// What a route's caller must be allowed, in the language of `testdata/acl/route-matrix.txt`.
/// The router checks it before the handler runs, except for what only the handler can know.
enum RouteRequirement: Sendable, Hashable, CustomStringConvertible {
    /// Anyone.
    case none
    case node(PolicyLevel)
    case plugin(PolicyLevel)
    case agent(PolicyLevel)
    case `operator`(PolicyLevel)
    case management
    /// In the request's namespace: every group, each met by any one of its capabilities.
    case namespace([[NamespaceCapability]])
    /// Every one of these.
    indirect case all([RouteRequirement])
    /// Checked by the handler, because it depends on the body, the query or the object the path
    /// names; the texts are the requirements it checks (one of them, as the request says).
    case checkedByHandler([String])

    /// Whether `caller` may make the request, in `namespace`; `nil` when the handler decides.
    func allows(_ caller: Caller, inNamespace namespace: String) -> Bool? {
        let acl = caller.acl
        switch self {
        case .none: return true
        case .node(let level): return level == .read ? acl.allowsNodeRead : acl.allowsNodeWrite
        case .plugin(let level): return level == .list ? acl.allowsPluginList : acl.allowsPluginRead
        case .agent: return acl.allowsAgentRead
        case .operator(let level): return level == .read ? acl.allowsOperatorRead : acl.allowsOperatorWrite
        case .management: return acl.isManagement
        case .namespace(let groups): return groups.allSatisfy { acl.allowsAny(of: $0, inNamespace: namespace) }
        case .all(let requirements): return requirements.allSatisfy { $0.allows(caller, inNamespace: namespace) == true }
        case .checkedByHandler: return nil
        }
    }

    var description: String {
        switch self {
        case .none: "-"
        case .node(let level): "node:\(level)"
        case .plugin(let level): "plugin:\(level)"
        case .agent(let level): "agent:\(level)"
        case .operator(let level): "operator:\(level)"
        case .management: "management"
        case .namespace(let groups): groups.map { $0.map { "ns:\($0.rawValue)" }.joined(separator: "|") }.joined(separator: "+")
        case .all(let requirements): requirements.map(\.description).joined(separator: "+")
        case .checkedByHandler(let texts): texts.joined(separator: " or ")
        }
    }
}

/// One request as the router hands it to a route's handler.
struct RouteCall {
    let request: Request
    let query: QueryParameters
    /// The path's parameters, in order.
    let parameters: [String]
    /// The caller, when the router resolved it to check the route's requirement.
    let caller: Caller?
}

/// One row of the route table: the methods of a path, what they require, and who answers.
struct Route: Sendable {
    typealias Handler = @Sendable (CaravanAPI, RouteCall) async throws -> Response

    /// Empty: every method.
    let methods: [HTTPRequest.Method]
    let pattern: RoutePattern
    let requirement: RouteRequirement
    /// Answered `400 ACL support disabled` while ACLs are off (the `/v1/acl/*` routes).
    let requiresACLs: Bool
    let handler: Handler

    init(
        _ methods: [HTTPRequest.Method], _ pattern: String, _ requirement: RouteRequirement, requiresACLs: Bool = false,
        _ handler: @escaping Handler
    ) {
        self.methods = methods
        self.pattern = RoutePattern(pattern)
        self.requirement = requirement
        self.requiresACLs = requiresACLs
        self.handler = handler
    }
}
