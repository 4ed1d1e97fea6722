import HTTPTypes
import Hummingbird
import NIOCore

extension CaravanAPI {
    /// The embedded docs/openapi.yaml, encoded once.
    private static let openAPIBody = ByteBuffer(string: OpenAPIDocument.yaml)

    /// `GET /v1/openapi.yaml`: the API's OpenAPI description, exactly docs/openapi.yaml. Anyone
    /// may read it.
    func openAPIDocument() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/yaml"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: Self.openAPIBody))
    }
}
