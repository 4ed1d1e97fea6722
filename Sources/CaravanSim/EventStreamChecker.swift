import CaravanEvents
import CaravanModel

/// "Every subscriber sees the committed log's events once, in order": each simulated subscriber
/// of the event stream receives, from the index it asked for on, one line for each committed
/// index whose events its subscription matches, holding exactly those events (topic, type, key
/// and the whole JSON of each, payload included) — in strictly increasing index order across
/// its connections, none missing, none twice — except the indexes a gap line announced
/// (`[From, ResumingAt)`, only as a connection's first line, from the index asked for). A
/// subscriber on a lagging server sees the same lines later, never other ones.
///
/// The expected events are ``CommittedEvents``', replayed from the committed log apart from
/// every server. A line is checked as the subscriber received it: its bytes against the line of
/// the expected events' JSON, and, when they differ, parsed as a client parses it and compared
/// event by event (so events in another order pass, and a difference is named).
struct EventStreamChecker {
    static let check = "every subscriber sees the committed log's events once, in order"

    /// The committed log's events, fed as entries commit.
    var committed = CommittedEvents()
    private var streams: [Int: Stream] = [:]
    private(set) var checks = 0

    /// What one subscriber has been sent.
    private struct Stream {
        let subscription: EventSubscription
        let name: String
        /// Every index before it is accounted for: its line received, announced as a gap, or
        /// before the index the subscriber first asked for.
        var next: UInt64
        /// The index of the last line received (0: none).
        var last: UInt64 = 0
        /// Whether the current connection has sent a line (a gap line may only come first).
        var started = false
    }

    /// What a line said.
    enum Line: Equatable {
        /// The events of the entry at `index`.
        case events(index: UInt64, count: Int)
        /// The events from `from` up to `resumingAt` are not sent; the line's index is
        /// `resumingAt - 1`.
        case gap(from: UInt64, resumingAt: UInt64)
        /// The server ended the stream.
        case ended(reason: String)

        /// The index the subscriber resumes after, if the line has one.
        var index: UInt64? {
            switch self {
            case .events(let index, _): index
            case .gap(_, let resumingAt): resumingAt - 1
            case .ended: nil
            }
        }
    }

    /// Subscriber `subscriber` (described by `name`) connected with `subscription`, its stream
    /// starting at `index`: the index it asked for, or, for `index=0`, the first index its
    /// server's journal held. A reconnection resumes after the last line received.
    mutating func connected(_ subscriber: Int, _ name: String, subscription: EventSubscription, from index: UInt64) {
        var stream = streams[subscriber] ?? Stream(subscription: subscription, name: name, next: index)
        precondition(stream.subscription == subscription && index > stream.last, "a subscriber resumes its own subscription after its last line")
        stream.next = index
        stream.started = false
        streams[subscriber] = stream
    }

    /// Checks one line (without its newline) subscriber `subscriber` received. A line that is,
    /// byte for byte, the line of the committed events at its index passes without being parsed;
    /// any other is parsed and compared event by event.
    mutating func received(_ line: [UInt8], by subscriber: Int) throws -> Line {
        var stream = streams[subscriber]!
        defer { streams[subscriber] = stream }
        let context = "\(Self.check): subscriber \(subscriber) (\(stream.name))"
        if let index = Self.leadingIndex(line) {
            let expected = committed.events(at: index, matching: stream.subscription)
            if !expected.isEmpty, line == Self.line(index: index, events: expected.map(\.json)) {
                try advance(&stream, to: index, context)
                return .events(index: index, count: expected.count)
            }
        }
        guard case .object(let object) = try? JSONValue(parsing: line) else {
            throw SimulationFailure("\(context) received a line that is no JSON object: \(String(decoding: line, as: UTF8.self))")
        }
        if case .string(let reason) = object["Error"] { return .ended(reason: reason) }
        guard case .int(let signed) = object["Index"], signed > 0, case .array(let received) = object["Events"], !received.isEmpty else {
            throw SimulationFailure("\(context) received a line without an index and events: \(String(decoding: line, as: UTF8.self))")
        }
        let index = UInt64(signed)
        if let gap = Self.gap(received) {
            guard !stream.started, gap.from == stream.next, gap.resumingAt > gap.from, index == gap.resumingAt - 1 else {
                throw SimulationFailure(
                    "\(context) was told of a gap [\(gap.from), \(gap.resumingAt)) at index \(index) \(stream.started ? "in the middle of a stream" : "asking from \(stream.next)")"
                )
            }
            try advance(&stream, to: index, context, resumingAt: gap.resumingAt)
            return .gap(from: gap.from, resumingAt: gap.resumingAt)
        }
        try advance(&stream, to: index, context)
        let expected = committed.events(at: index, matching: stream.subscription)
        if let difference = Self.difference(received, expected) {
            throw SimulationFailure("\(context) received at index \(index) other events than the committed log's: \(difference)")
        }
        return .events(index: index, count: received.count)
    }

    /// Takes a line at `index` on `stream`: after the last line, and committed; for a line of
    /// events, with no committed event the subscription matches missing before it. The stream
    /// then accounts for every index up to `resumingAt` (a gap's), or to `index`.
    private mutating func advance(_ stream: inout Stream, to index: UInt64, _ context: String, resumingAt: UInt64? = nil) throws {
        checks += 1
        if index <= stream.last {
            throw SimulationFailure("\(context) received \(index == stream.last ? "index \(index) twice" : "index \(index) after \(stream.last)")")
        }
        if resumingAt == nil {
            guard index <= committed.index else {
                throw SimulationFailure("\(context) received index \(index), past the committed log's \(committed.index)")
            }
            if let missing = committed.firstIndex(in: stream.next..<index, matching: stream.subscription) {
                throw SimulationFailure("\(context) received index \(index) without the committed events of index \(missing)")
            }
        }
        stream.started = true
        stream.next = resumingAt ?? index + 1
        stream.last = index
    }

    /// Checks that subscriber `subscriber` received every committed event its subscription
    /// matches through `index`, but for the gaps announced.
    mutating func caughtUp(_ subscriber: Int, through index: UInt64) throws {
        let stream = streams[subscriber]!
        checks += 1
        if let missing = committed.firstIndex(in: stream.next..<(index + 1), matching: stream.subscription) {
            throw SimulationFailure(
                "\(Self.check): subscriber \(subscriber) (\(stream.name)) never received the committed events of index \(missing) (it has every index before \(stream.next))"
            )
        }
    }

    /// The gap a line announces, if it is a gap line.
    private static func gap(_ events: [JSONValue]) -> (from: UInt64, resumingAt: UInt64)? {
        guard events.count == 1, case .object(let event) = events[0], event["Topic"] == .string("EventStream"),
            case .object(let payload) = event["Payload"], case .int(let from) = payload["From"], case .int(let resumingAt) = payload["ResumingAt"],
            from > 0, resumingAt > 0
        else { return nil }
        return (UInt64(from), UInt64(resumingAt))
    }

    /// How the events received differ from the events expected, compared by topic, type,
    /// namespace and key, then as whole JSON objects; nil if they are the same.
    private static func difference(_ received: [JSONValue], _ expected: [(event: Event, json: [UInt8])]) -> String? {
        var got: [String: [JSONValue]] = [:]
        for event in received {
            guard case .object(let fields) = event else { return "an event that is no JSON object" }
            got[name(fields["Topic"], fields["Type"], fields["Namespace"], fields["Key"]), default: []].append(event)
        }
        var want: [String: [JSONValue]] = [:]
        for (event, json) in expected {
            let name = name(.string(event.topic.rawValue), .string(event.type), .string(event.namespace), .string(event.key))
            want[name, default: []].append((try? JSONValue(parsing: json)) ?? .null)
        }
        var differences: [String] = []
        for name in Set(got.keys).union(want.keys).sorted() {
            let (gotten, wanted) = (got[name] ?? [], want[name] ?? [])
            if gotten.count != wanted.count {
                differences.append("\(name) \(gotten.count) times, committed \(wanted.count)")
            } else if gotten != wanted {
                differences.append("\(name) not as committed")
            }
        }
        return differences.isEmpty ? nil : differences.joined(separator: "; ")
    }

    /// The index a line of events starts with (`{"Index":N,`), if it starts so.
    private static func leadingIndex(_ line: [UInt8]) -> UInt64? {
        let prefix = Array(#"{"Index":"#.utf8)
        guard line.starts(with: prefix) else { return nil }
        let digits = line.dropFirst(prefix.count).prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return UInt64(String(decoding: digits, as: UTF8.self))
    }

    /// A stream's line for the events at `index` whose JSON objects are `events`.
    private static func line(index: UInt64, events: [[UInt8]]) -> [UInt8] {
        var line = Array(#"{"Index":\#(index),"Events":["#.utf8)
        for (number, event) in events.enumerated() {
            if number > 0 { line.append(UInt8(ascii: ",")) }
            line += event
        }
        return line + Array("]}".utf8)
    }

    /// An event's name in a message: `Topic Type namespace/key`.
    private static func name(_ topic: JSONValue?, _ type: JSONValue?, _ namespace: JSONValue?, _ key: JSONValue?) -> String {
        func text(_ value: JSONValue?) -> String {
            if case .string(let text) = value { return text }
            return "?"
        }
        let space = text(namespace)
        return "\(text(topic)) \(text(type)) \(space.isEmpty ? "" : space + "/")\(text(key))"
    }
}
