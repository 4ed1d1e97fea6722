import CaravanFilter
import CaravanModel
import Hummingbird

/// What a list request selects beyond its own parameters: Nomad's `filter` expression (go-bexpr,
/// evaluated against each object's full JSON form) and paging (``Paging``).
struct ListSelection: Sendable {
    let filter: FilterExpression?
    let paging: Paging

    init(_ query: QueryParameters) throws(APIError) {
        paging = try Paging(query)
        guard let text = query["filter"], !text.isEmpty else {
            filter = nil
            return
        }
        do {
            filter = try FilterExpression(text)
        } catch {
            throw APIError.badRequest("failed to read filter expression: \(error)")
        }
    }

    /// Whether the list is the whole selection: no filter and no paging.
    var selectsEverything: Bool { filter == nil && paging.perPage == nil && paging.nextToken.isEmpty }

    /// The page of `items` that pass the filter, and the next page's token. `items` start at
    /// `next_token` (see ``Paging``); `datum` is an item's full JSON form, for the filter. Reads
    /// only as far as the page and the first item after it.
    func select<Item>(
        _ items: some Sequence<Item>, token: (Item) -> String, datum: (Item) -> some JSONWritable
    ) throws(APIError) -> (page: [Item], next: String?) {
        var passing: [Item] = []
        for item in items {
            if let filter {
                let matches: Bool
                do {
                    matches = try filter.evaluate(try JSONValue(parsing: JSONWriter.encode(datum(item))))
                } catch let error as FilterEvaluationError {
                    throw APIError.badRequest("failed to read result page: \(error)")
                } catch {
                    throw APIError.internalError("failed to read result page: \(error)")
                }
                guard matches else { continue }
            }
            if let perPage = paging.perPage, passing.count == perPage { return (passing, token(item)) }
            passing.append(item)
        }
        return (passing, nil)
    }

    /// The answer to a list: the page of `items` that passes the filter, each written as `entry`,
    /// with `X-Nomad-NextToken` when entries are left; or the filter's error.
    func answer<Item, Entry: JSONWritable>(
        _ items: some Sequence<Item>, index: UInt64, token: (Item) -> String, datum: (Item) -> some JSONWritable,
        entry: (Item) -> Entry
    ) -> Response {
        do throws(APIError) {
            let (page, next) = try select(items, token: token, datum: datum)
            return Responses.json(page.map(entry), index: index, nextToken: next)
        } catch {
            return Responses.error(error)
        }
    }
}
