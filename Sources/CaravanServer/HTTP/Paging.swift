import CaravanModel

/// Nomad's paging of a list: `per_page` items at most, starting at the first at or past
/// `next_token`; the token of the first item left out goes back as `X-Nomad-NextToken`. A list
/// starts its sorted items at the token itself (a binary search), so a page reads only its items.
struct Paging: Sendable {
    var perPage: Int?
    var nextToken: String

    init(_ query: QueryParameters) throws(APIError) {
        if let text = query["per_page"], !text.isEmpty {
            guard let value = Int32(text), value >= 0 else { throw APIError.badRequest("Expect a number for `per_page` query string parameter") }
            perPage = value == 0 ? nil : Int(value)
        }
        nextToken = query["next_token"] ?? ""
    }

    /// `next_token` of a list whose tokens are `<namespace>.<id>`, as the namespace and ID it
    /// names (a namespace has no dot, so the first dot ends it; a token without one names a
    /// namespace); `nil` when there is none.
    var namespacedToken: (namespace: String, id: String)? {
        guard !nextToken.isEmpty else { return nil }
        guard let dot = nextToken.firstIndex(of: ".") else { return (nextToken, "") }
        return (String(nextToken[..<dot]), String(nextToken[nextToken.index(after: dot)...]))
    }
}
