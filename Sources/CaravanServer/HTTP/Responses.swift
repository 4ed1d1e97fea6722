import CaravanModel
import HTTPTypes
import Hummingbird
import NIOCore

extension HTTPField.Name {
    static let nomadIndex = HTTPField.Name("X-Nomad-Index")!
    static let nomadKnownLeader = HTTPField.Name("X-Nomad-KnownLeader")!
    static let nomadLastContact = HTTPField.Name("X-Nomad-LastContact")!
    static let nomadNextToken = HTTPField.Name("X-Nomad-NextToken")!
}

/// Builders for the responses Caravan sends.
enum Responses {
    /// A JSON body with the query metadata headers; `index` is floored at 1 (Caravan's deviation:
    /// Nomad can report 0, which makes blocking on it impossible).
    static func json(_ bytes: [UInt8], index: UInt64) -> Response {
        var headers = metaHeaders(index: index)
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func json(_ value: some JSONWritable, index: UInt64) -> Response {
        json(JSONWriter.encode(value), index: index)
    }

    /// A page of a list: `X-Nomad-NextToken` names the next page's first item, if there is one.
    static func json(_ value: some JSONWritable, index: UInt64, nextToken: String?) -> Response {
        var response = json(JSONWriter.encode(value), index: index)
        if let nextToken { response.headers[.nomadNextToken] = nextToken }
        return response
    }

    /// 200 with no body, as Nomad answers some writes and `GET /v1/plugins?type=<other>`.
    static func empty(index: UInt64) -> Response {
        Response(status: .ok, headers: metaHeaders(index: index))
    }

    static func metaHeaders(index: UInt64) -> HTTPFields {
        var headers = HTTPFields()
        headers[.nomadIndex] = String(max(index, 1))
        headers[.nomadKnownLeader] = "true"
        headers[.nomadLastContact] = "0"
        return headers
    }

    /// A text/plain error body with Nomad's status code; reads pass their index so that a client
    /// can block until a missing object appears.
    static func error(_ error: APIError, index: UInt64? = nil) -> Response {
        var headers = index.map(metaHeaders(index:)) ?? HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: error.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: error.message)))
    }
}

/// A write's JSON reply: the payload fields, then the query metadata Nomad embeds in write
/// responses (`LastContact` in nanoseconds, as Go encodes a duration).
struct WriteReply: JSONWritable {
    var fields: [(String, JSONValue)]
    var index: UInt64

    func write(to json: inout JSONWriter) {
        json.beginObject()
        for (name, value) in fields { json.field(name, value) }
        json.field("Index", index)
        json.field("LastContact", 0)
        json.field("KnownLeader", true)
        json.field("NextToken", "")
        json.endObject()
    }
}
