import Foundation
public import NIOCore
import NIOPosix
public import NIOSSL
import Synchronization

/// A TCP connection that sends bytes exactly as a test gives them (a byte at a time, half a
/// body, a malformed chunk) and keeps whatever comes back, for tests of what a server does with
/// clients that do not follow HTTP. Over TLS when given a client configuration.
public final class RawConnection: Sendable {
    private struct Received {
        var bytes: [UInt8] = []
        var closed = false
    }

    /// Keeps what the connection reads, and whether the server closed it.
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = Mutex(Received())

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLock { $0.bytes += buffer.readableBytesView }
        }

        func channelInactive(context: ChannelHandlerContext) {
            received.withLock { $0.closed = true }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    public let channel: any Channel
    private let collector: Collector

    /// A whole request a test sends as it is: `GET /v1/nodes`, which every agent answers 200.
    public static let getNodes = "GET /v1/nodes HTTP/1.1\r\nHost: caravan\r\n\r\n"

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    /// Connects to `host:port`, from `source` (an address of this machine, e.g. another of
    /// 127.0.0.0/8, to appear as another client) if given, over TLS if `tls` is given.
    public static func open(
        port: Int, host: String = "127.0.0.1", from source: String? = nil, tls: TLSConfiguration? = nil, serverHostname: String? = nil
    ) async throws -> RawConnection {
        let collector = Collector()
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        let context = try NIOSSLContext(configuration: tls)
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverHostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
        if let source { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0)) }
        let channel = try await bootstrap.connect(host: host, port: port).get()
        return RawConnection(channel: channel, collector: collector)
    }

    /// Sends `text` as it is.
    public func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Ends what this side sends (a half-close); the connection still reads.
    public func closeOutput() async throws {
        try await channel.close(mode: .output)
    }

    public func close() {
        channel.close(promise: nil)
    }

    /// Everything read so far, as text.
    public var received: String {
        collector.received.withLock { String(decoding: $0.bytes, as: UTF8.self) }
    }

    /// Whether the server closed the connection (or it failed).
    public var isClosed: Bool {
        collector.received.withLock { $0.closed }
    }

    /// Waits until the server closes the connection; returns everything it sent.
    public func waitUntilClosed(within limit: Duration = .seconds(30)) async throws -> String {
        try await eventually(within: limit, "the server closes the connection") { isClosed }
        return received
    }

    /// Waits until a whole response (its head, and as many body bytes as its Content-Length
    /// says) has been read; returns what was read.
    public func waitForResponse(within limit: Duration = .seconds(30)) async throws -> String {
        try await eventually(within: limit, "a whole response arrives") { Self.isWholeResponse(received) || isClosed }
        return received
    }

    /// The status code of the first response in `text`, or nil.
    public static func status(of text: String) -> Int? {
        let line = text.split(separator: "\r\n", maxSplits: 1).first ?? ""
        let parts = line.split(separator: " ")
        return parts.count >= 2 ? Int(parts[1]) : nil
    }

    /// The body of the first response in `text` (what follows its head).
    public static func body(of text: String) -> String {
        guard let end = text.range(of: "\r\n\r\n") else { return "" }
        return String(text[end.upperBound...])
    }

    private static func isWholeResponse(_ text: String) -> Bool {
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
            let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        else { return true }
        return text[end.upperBound...].utf8.count >= length
    }
}
