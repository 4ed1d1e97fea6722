public import CaravanModel

/// One change of one object, as Nomad's event stream shows it: its topic, the kind of write that
/// made it, the object's key and namespace, and the object itself (redacted as every answer is).
public struct Event: Sendable {
    public let topic: EventTopic
    /// Nomad's event type: the kind of the log entry that made the change (`JobRegistered`,
    /// `NodeRegistration`, …).
    public let type: String
    public let key: String
    /// The object's namespace; empty for objects that have none (nodes, plugins, ACLs).
    public let namespace: String
    /// Further keys a subscription may match (a volume's ID, name and plugin); empty: none.
    public let filterKeys: [String]
    /// The index of the entry that made the change.
    public let index: UInt64
    public let payload: EventPayload

    public init(
        topic: EventTopic, type: String, key: String, namespace: String = "", filterKeys: [String] = [], index: UInt64,
        payload: EventPayload
    ) {
        self.topic = topic
        self.type = type
        self.key = key
        self.namespace = namespace
        self.filterKeys = filterKeys
        self.index = index
        self.payload = payload
    }
}

extension Event: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("Topic", topic.rawValue)
        json.field("Type", type)
        json.field("Key", key)
        json.field("Namespace", namespace)
        json.key("FilterKeys")
        if filterKeys.isEmpty { json.null() } else { filterKeys.write(to: &json) }
        json.field("Index", index)
        json.field("Payload", payload)
        json.endObject()
    }
}
