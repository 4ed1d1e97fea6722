import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 request per connection to an agent on 127.0.0.1, over swift-nio.
///
/// The tests do not use Foundation's `URLSession`: on Linux it watches libcurl's sockets with
/// dispatch sources that libcurl may close first, and under the kill -9 tests (many refused
/// connections at once) that crashed the whole test process in libdispatch's event loop.
enum HTTPTestClient {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Sends `method path` with `headers` and `body`; the answer's status, headers and body, or
    /// an error when the connection fails, closes early or takes longer than `timeout`.
    static func send(
        port: Int, _ method: String, _ path: String, headers: [(String, String)] = [], body: Data? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> (status: Int, headers: HTTPHeaders, body: Data) {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        let (seconds, attoseconds) = timeout.components
        let deadline = channel.channel.eventLoop.scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) {
            channel.channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path)
            head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
            head.headers.add(name: "Connection", value: "close")
            head.headers.add(name: "Content-Length", value: String(body?.count ?? 0))
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            // One write of the whole request: the server may answer and close (`Connection:
            // close`) as soon as it has the head, so a later write of the end could find the
            // channel closed and lose an answer that did arrive.
            var parts: [HTTPClientRequestPart] = [.head(head)]
            if let body, !body.isEmpty { parts.append(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            parts.append(.end(nil))
            try? await outbound.write(contentsOf: parts)
            var answer: HTTPResponseHead?
            var received = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let head): answer = head
                case .body(var chunk): received.writeBuffer(&chunk)
                case .end:
                    guard let answer else { throw Failure(description: "an answer without a head") }
                    return (Int(answer.status.code), answer.headers, Data(received.readableBytesView))
                }
            }
            throw Failure(description: "the connection closed before the answer ended (or \(timeout) passed)")
        }
    }
}
