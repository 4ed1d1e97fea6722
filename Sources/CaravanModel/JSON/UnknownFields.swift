/// A coding key for any member name, used to read the members of an object that Caravan keeps
/// without interpreting.
struct AnyCodingKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where K == AnyCodingKey {
    /// The members of the object other than `known`, kept verbatim.
    func unknownMembers(excluding known: Set<String>) throws -> [String: JSONValue] {
        var extra: [String: JSONValue] = [:]
        for key in allKeys where !known.contains(key.stringValue) {
            extra[key.stringValue] = try decode(JSONValue.self, forKey: key)
        }
        return extra
    }

    /// Decodes an optional member, treating JSON `null` as absent (Go's behaviour).
    func optional<T: Decodable>(_ type: T.Type, _ name: String) throws -> T? {
        try decodeIfPresent(T.self, forKey: AnyCodingKey(name))
    }
}
