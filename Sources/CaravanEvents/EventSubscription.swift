/// What one stream asked for: topics, each with the keys it wants (`*`: every key), and the
/// namespaces whose namespaced events it sees. Events without a namespace (nodes, plugins, ACL
/// objects) pass the namespace test.
///
/// An event passes once when its topic (or `*`) lists its key, one of its filter keys, or `*`.
/// (Nomad sends an event twice when it matches two of a subscription's keys; Caravan once.)
public struct EventSubscription: Sendable, Equatable {
    /// Keys by topic name; the topic `*` is every topic.
    public let topics: [String: Set<String>]
    public let namespaces: Set<String>

    public init(topics: [String: Set<String>], namespaces: Set<String>) {
        self.topics = topics
        self.namespaces = namespaces
    }

    /// Every topic and key: a request without `topic`.
    public static let allTopics: [String: Set<String>] = ["*": ["*"]]

    /// Parses the request's `topic` values, Nomad's `Topic` (every key) or `Topic:Key`; no value
    /// at all is every topic. Throws the text of Nomad's `400 Invalid topic query`.
    public static func topics(_ values: [String]) throws(EventTopicError) -> [String: Set<String>] {
        guard !values.isEmpty else { return allTopics }
        var topics: [String: Set<String>] = [:]
        for value in values {
            let parts = value.split(separator: ":", omittingEmptySubsequences: false)
            switch parts.count {
            case 1: topics[value, default: []].insert("*")
            case 2: topics[String(parts[0]), default: []].insert(String(parts[1]))
            default: throw EventTopicError(topic: value)
            }
        }
        return topics
    }

    public func matches(_ event: Event) -> Bool {
        if !event.namespace.isEmpty, !namespaces.contains(event.namespace) { return false }
        return matches(event, keys: topics[event.topic.rawValue]) || matches(event, keys: topics["*"])
    }

    private func matches(_ event: Event, keys: Set<String>?) -> Bool {
        guard let keys else { return false }
        return keys.contains("*") || keys.contains(event.key) || event.filterKeys.contains(where: keys.contains)
    }

    /// The stream's line for `batch`, `{"Index":N,"Events":[…]}` and a newline, or `nil` when no
    /// event of it passes.
    public func line(for batch: EventBatch) -> [UInt8]? {
        let selected = batch.events.indices.filter { matches(batch.events[$0]) }
        if selected.isEmpty { return nil }
        return selected.count == batch.events.count ? batch.line : batch.line(of: selected)
    }
}

/// A `topic` value with more than one `:`.
public struct EventTopicError: Error, Sendable, Equatable, CustomStringConvertible {
    public let topic: String

    public var description: String { "Invalid key value pair for topic: \(topic)" }
}
