import CaravanModel

/// The lines of an event stream that carry no event of the state: the heartbeat, the line that
/// names a gap, and the last line of a stream the server ends.
public enum EventStreamLines {
    /// Nomad's heartbeat, sent at connect and while idle.
    public static let heartbeat = Array("{}\n".utf8)

    /// The line a stream starts with when it asked for an index older than the events the server
    /// keeps: one event, topic `EventStream`, type `EventsUnavailable`, whose payload names the
    /// first index asked for and the first index that follows (`{"From":F,"ResumingAt":R}`);
    /// its index is R−1. The events from F up to R−1 may have been missed: read the state anew.
    public static func gap(from: UInt64, resumingAt: UInt64) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("Index", resumingAt - 1)
        json.key("Events")
        json.beginArray()
        json.beginObject()
        json.field("Topic", "EventStream")
        json.field("Type", "EventsUnavailable")
        json.field("Key", "")
        json.field("Namespace", "")
        json.key("FilterKeys")
        json.null()
        json.field("Index", resumingAt - 1)
        json.key("Payload")
        json.beginObject()
        json.field("From", from)
        json.field("ResumingAt", resumingAt)
        json.endObject()
        json.endObject()
        json.endArray()
        json.endObject()
        return json.bytes + [UInt8(ascii: "\n")]
    }

    /// The last line of a stream the server ends: `{"Error":"…"}`.
    public static func error(_ reason: String) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("Error", "subscription closed by server, client should resubscribe: \(reason)")
        json.endObject()
        return json.bytes + [UInt8(ascii: "\n")]
    }

    /// Why a stream that fell behind ends.
    public static func fellBehind(at cursor: UInt64) -> String {
        "the stream fell behind: the events from index \(cursor) are no longer kept"
    }
}
