import CaravanACL
import CaravanAdmission
import CaravanEvents
import CaravanModel
import CaravanState
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import ServiceLifecycle

extension HTTPField.Name {
    static let cacheControl = HTTPField.Name("Cache-Control")!
}

/// `GET /v1/event/stream`: the events of the entries this server applied, as Nomad streams them
/// (chunked NDJSON; `{}` at connect and every ``APIConfiguration/eventHeartbeat``). Everything
/// the request can be refused for — its `index`, its topics, its token — is answered before
/// the first byte of the stream; once it runs, it ends only with an error line, when the server
/// stops, or when the client goes away.
extension CaravanAPI {
    func eventStream(_ call: RouteCall) async throws -> Response {
        let query = call.query
        var startIndex: UInt64 = 0
        if let text = query["index"], !text.isEmpty {
            guard let index = UInt64(text) else { throw APIError.badRequest("Unable to parse index: strconv.Atoi: parsing \"\(text)\": invalid syntax") }
            startIndex = index
        }
        let topics: [String: Set<String>]
        do {
            topics = try EventSubscription.topics(query.values("topic"))
        } catch {
            throw APIError.badRequest("Invalid topic query: \(error)")
        }
        let requested = query["namespace"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let namespaces = requested == "*" ? Set(store.state.namespaces().map(\.name)) : [requested]
        let caller = try await caller(call)
        for topic in topics.keys where !Self.allows(caller.acl, topic: topic, in: namespaces) { throw APIError.permissionDenied }

        let journal = node.events
        guard let id = journal.reserve(limit: node.limits.eventStreams) else {
            throw APIError(.tooManyRequests, "event streams at their limit (\(node.limits.eventStreams))")
        }
        let cursor = EventStreamCursor(subscription: EventSubscription(topics: topics, namespaces: namespaces), startIndex: startIndex)
        let authorize = streamAuthorization(secret: TokenHeader.secret(of: call.request.headers), topics: Array(topics.keys), namespaces: namespaces)
        let heartbeat = TimeAmount.nanoseconds(configuration.eventHeartbeat.nanoseconds)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-cache"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleRepeatedTask(initialDelay: heartbeat, delay: heartbeat) { _ in
                    journal.expire(id)
                }
                defer {
                    timer.cancel()
                    journal.release(id)
                }
                var pump = EventStreamPump(journal: journal, cursor: cursor, authorize: authorize)
                var sink = ResponseEventSink(writer: writer)
                try await withGracefulShutdownHandler {
                    try await pump.run(id, into: &sink)
                } onGracefulShutdown: {
                    journal.release(id)
                }
                writer = sink.writer
                try await writer.finish(nil)
            })
    }

    /// Whether `acl` may read `topic` in every one of `namespaces`, as Nomad decides for a
    /// subscription: job-like topics and plugins need `read-job`, volumes `csi-read-volume`,
    /// host volumes `host-volume-read` (in each namespace), nodes `node:read`, `Operator`
    /// `operator:read`, and everything else (ACL topics, `*`, unknown topics) a management token.
    static func allows(_ acl: ACL, topic: String, in namespaces: Set<String>) -> Bool {
        switch topic {
        case "Job", "Allocation", "Evaluation", "Deployment", "Service", "CSIPlugin":
            namespaces.allSatisfy { acl.allows(.readJob, inNamespace: $0) }
        case "CSIVolume": namespaces.allSatisfy { acl.allows(.csiReadVolume, inNamespace: $0) }
        case "HostVolume": namespaces.allSatisfy { acl.allows(.hostVolumeRead, inNamespace: $0) }
        case "Node": acl.allowsNodeRead
        case "Operator": acl.allowsOperatorRead
        default: acl.isManagement
        }
    }

    /// What a running stream asks after each entry with an ACL event: whether its token still
    /// exists, has not expired, and still allows every topic it asked for; if not, why it ends.
    func streamAuthorization(secret: String, topics: [String], namespaces: Set<String>) -> @Sendable () -> String? {
        guard aclEnabled else { return { nil } }
        let (store, tokens, clock) = (store, node.admission.tokens, configuration.clock)
        return {
            let state = store.state
            let token: ACLToken
            do {
                token = try tokens.token(secret: secret, in: state, now: clock())
            } catch {
                return "its ACL token was deleted or has expired"
            }
            let acl = tokens.acl(for: token, in: state)
            guard let denied = topics.sorted().first(where: { !Self.allows(acl, topic: $0, in: namespaces) }) else { return nil }
            return "its ACL token no longer allows the topic \(denied)"
        }
    }
}

/// An event stream's HTTP response body; each write waits while the client reads slowly, so
/// the channel's buffer stays bounded.
struct ResponseEventSink: EventSink {
    var writer: any ResponseBodyWriter

    mutating func write(_ bytes: [UInt8]) async throws {
        try await writer.write(ByteBuffer(bytes: bytes))
    }
}
