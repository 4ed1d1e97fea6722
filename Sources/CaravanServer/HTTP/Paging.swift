/// Nomad's paging of a list: `per_page` items at most, starting at the first whose token is at
/// or past `next_token`; the token of the first item left out goes back as `X-Nomad-NextToken`.
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
}
