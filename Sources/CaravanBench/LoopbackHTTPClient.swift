import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A minimal HTTP/1.1 client for load generation: one request per connection
/// (`Connection: close`), the whole response read until the server closes. It keeps no more
/// than a few hundred bytes per connection, so ten thousand can be held open from one process.
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
    }

    /// Opens a connection and sends `GET path`; the future completes when the response is in.
    func get(_ path: String) -> EventLoopFuture<Outcome> {
        send("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n")
    }

    func put(_ path: String, body: [UInt8]) -> EventLoopFuture<Outcome> {
        let head = "PUT \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        return send(head, body: body)
    }

    private func send(_ head: String, body: [UInt8] = []) -> EventLoopFuture<Outcome> {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: Outcome.self)
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise)) }
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

/// Accumulates a response and completes when the server closes the connection.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let promise: EventLoopPromise<LoopbackHTTPClient.Outcome>
    private var received: ByteBuffer?

    init(promise: EventLoopPromise<LoopbackHTTPClient.Outcome>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if received == nil { received = buffer } else { received!.writeBuffer(&buffer) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let finished = ContinuousClock.now
        let text = received.map { String(buffer: $0) } ?? ""
        let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        promise.succeed(.init(status: status, finished: finished, body: body))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
