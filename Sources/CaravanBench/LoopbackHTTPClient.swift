import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A minimal HTTP/1.1 client for load generation: one request per connection, kept alive as
/// long-poll clients keep theirs; a response is complete when `Content-Length` bytes of body
/// have arrived; connections close when the client shuts down. It keeps a few hundred bytes per
/// connection, so ten thousand can be held open from one process.
final class LoopbackHTTPClient: Sendable {
    let group: MultiThreadedEventLoopGroup
    let host: String
    let port: Int

    init(host: String, port: Int, threads: Int = 1) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        self.host = host
        self.port = port
    }

    /// What became of one request.
    struct Outcome: Sendable {
        var status: Int
        var finished: ContinuousClock.Instant
        var body: String
        /// The status line and headers (kept with the body).
        var head = ""

        /// The value of the header `name` (case-insensitive), if the head was kept and has it.
        func header(_ name: String) -> String? {
            let prefix = name.lowercased() + ":"
            let line = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix(prefix) }
            return line.map { $0.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces) }
        }
    }

    /// Opens a connection and sends `GET path`; the future completes when the response is in.
    /// Without `keepBody` only the status is kept, so that the client spends as little as it can.
    func get(_ path: String, keepBody: Bool = true) -> EventLoopFuture<Outcome> {
        send("GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\r\n", keepBody: keepBody)
    }

    func put(_ path: String, body: [UInt8]) -> EventLoopFuture<Outcome> {
        let head = "PUT \(path) HTTP/1.1\r\nHost: \(host)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        return send(head, body: body)
    }

    /// Opens a connection and sends nothing; it stays open until the client shuts down.
    func connectIdle() -> EventLoopFuture<Void> {
        ClientBootstrap(group: group.next()).connect(host: host, port: port).map { _ in }
    }

    private func send(_ head: String, body: [UInt8] = [], keepBody: Bool = true) -> EventLoopFuture<Outcome> {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: Outcome.self)
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise, keepBody: keepBody))
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    var buffer = channel.allocator.buffer(capacity: head.utf8.count + body.count)
                    buffer.writeString(head)
                    buffer.writeBytes(body)
                    channel.writeAndFlush(buffer, promise: nil)
                case .failure(let error):
                    promise.fail(error)
                }
            }
        return promise.futureResult
    }

    func shutdown() async throws { try await group.shutdownGracefully() }
}

/// Accumulates one response; completes when its body is in. The connection stays open, as a
/// long-poll client's does, until the client shuts down.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let promise: EventLoopPromise<LoopbackHTTPClient.Outcome>
    private var received: ByteBuffer?
    private var completed = false
    private let keepBody: Bool

    init(promise: EventLoopPromise<LoopbackHTTPClient.Outcome>, keepBody: Bool) {
        self.promise = promise
        self.keepBody = keepBody
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if received == nil { received = buffer } else { received!.writeBuffer(&buffer) }
        guard !completed, let outcome = Self.parse(received!, keepBody: keepBody) else { return }
        completed = true
        promise.succeed(outcome)
    }

    func channelInactive(context: ChannelHandlerContext) {
        guard !completed else { return }
        completed = true
        promise.succeed(Self.parse(received ?? ByteBuffer(), keepBody: keepBody, atEnd: true) ?? .init(status: 0, finished: .now, body: ""))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !completed else { return }
        completed = true
        promise.fail(error)
        context.close(promise: nil)
    }

    /// The response, once its head and `Content-Length` bytes of body are in.
    private static func parse(_ buffer: ByteBuffer, keepBody: Bool, atEnd: Bool = false) -> LoopbackHTTPClient.Outcome? {
        buffer.withUnsafeReadableBytes { bytes -> LoopbackHTTPClient.Outcome? in
            guard let head = ResponseHead(parsing: bytes), atEnd || bytes.count - head.end >= head.contentLength else { return nil }
            let body = keepBody ? String(decoding: UnsafeRawBufferPointer(rebasing: bytes[head.end...]), as: UTF8.self) : ""
            let text = keepBody ? String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<head.end]), as: UTF8.self) : ""
            return .init(status: head.status, finished: .now, body: body, head: text)
        }
    }
}
