import Foundation
import NIOCore
import NIOPosix

/// What one streaming subscriber has seen, tallied on its event loop as the stream arrives. The
/// events' indexes are folded into an order-sensitive hash, so that a subscriber's whole sequence
/// can be checked against the acknowledged writes without keeping it.
struct StreamTally: Sendable {
    /// The response's status (0 until its head is in).
    var status = 0
    /// When the first line (Caravan's `{}` heartbeat, etcd's `created` answer) arrived.
    var connected: ContinuousClock.Instant?
    /// Events counted past the stream's starting index.
    var events = 0
    /// Events at or below the starting index (written before the benchmark's writes), ignored.
    var earlier = 0
    var lastIndex: UInt64 = 0
    var hash = StreamTally.emptyHash
    /// False once an event arrived whose index was not above the previous one.
    var ordered = true
    /// Lines that carried events, and their bytes (newline included).
    var eventLines = 0
    var eventLineBytes = 0
    /// When the expected number of events was reached.
    var finished: ContinuousClock.Instant?
    /// Why the stream stopped early, if it did.
    var ended: String?

    static let emptyHash: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Folds one event's index into `hash` (an FNV-style multiply, order-sensitive).
    static func fold(_ hash: UInt64, _ index: UInt64) -> UInt64 { (hash ^ index) &* 0x100_0000_01b3 }

    mutating func count(_ index: UInt64, after start: UInt64) {
        guard index > start else {
            earlier += 1
            return
        }
        if index <= lastIndex { ordered = false }
        lastIndex = index
        hash = Self.fold(hash, index)
        events += 1
    }
}

/// The body a subscriber reads: Caravan's `GET /v1/event/stream` (newline-delimited JSON, a `{}`
/// heartbeat, then `{"Index":N,"Events":[…]}` lines) or etcd's gateway `POST /v3/watch`
/// (newline-delimited `{"result":{…,"events":[…]}}` objects, the first with `"created":true`).
enum StreamFormat: Sendable {
    /// Events with an index at or below `after` are counted apart (the stream may replay them).
    case caravanEvents(after: UInt64)
    case etcdWatch(after: UInt64)
}

/// One streaming HTTP/1.1 response on its own connection: reads the head, undoes the chunked
/// transfer encoding, splits the body into lines (a line may span chunks and reads; a read may
/// hold many lines) and tallies each. Byte loops and `memchr`/`memcmp` only: a thousand of these
/// share a core or two with the servers they measure.
final class StreamSubscriber: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private enum Phase {
        case head, chunkSize, chunkExtension, chunkSizeEnd, chunkData(Int), chunkDataEnd(Int), identity, done
    }

    private let format: StreamFormat
    private let expected: Int
    private let connectedPromise: EventLoopPromise<Void>
    private let reachedPromise: EventLoopPromise<Void>
    private let endedPromise: EventLoopPromise<StreamTally>
    private var phase = Phase.head
    private var head: [UInt8] = []
    private var chunkSize = 0
    private var partial: [UInt8] = []
    private var tally = StreamTally()
    private var signalledConnected = false
    private var signalledReached = false

    /// `connected`: the first line is in. `reached`: `expected` events are in, or the stream
    /// ended first. `ended`: the connection closed (the benchmark closes it when done); the tally.
    init(
        format: StreamFormat, expected: Int, connected: EventLoopPromise<Void>, reached: EventLoopPromise<Void>,
        ended: EventLoopPromise<StreamTally>
    ) {
        self.format = format
        self.expected = expected
        connectedPromise = connected
        reachedPromise = reached
        endedPromise = ended
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { bytes in consume(bytes, context: context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(context: context, reason: "the connection closed")
        endedPromise.succeed(tally)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(context: context, reason: "\(error)")
        context.close(promise: nil)
    }

    private func finish(context: ChannelHandlerContext, reason: String) {
        if tally.events < expected, tally.ended == nil { tally.ended = "\(reason) after \(tally.events) events" }
        if !signalledConnected {
            signalledConnected = true
            connectedPromise.fail(ChannelError.inputClosed)
        }
        if !signalledReached {
            signalledReached = true
            reachedPromise.succeed()
        }
        phase = .done
    }

    private func consume(_ bytes: UnsafeRawBufferPointer, context: ChannelHandlerContext) {
        var position = 0
        let count = bytes.count
        while position < count {
            switch phase {
            case .head:
                head.append(bytes[position])
                position += 1
                if head.count >= 4, head[head.count - 4] == 13, head[head.count - 3] == 10, head[head.count - 2] == 13, head.last == 10 {
                    startBody(context: context)
                }
            case .chunkSize:
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): chunkSize = chunkSize * 16 + Int(byte - 48)
                case UInt8(ascii: "a")...UInt8(ascii: "f"): chunkSize = chunkSize * 16 + Int(byte - 87)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): chunkSize = chunkSize * 16 + Int(byte - 55)
                case 13: phase = .chunkSizeEnd
                default: phase = .chunkExtension
                }
            case .chunkExtension:
                if bytes[position] == 13 { phase = .chunkSizeEnd }
                position += 1
            case .chunkSizeEnd:
                position += 1  // the line feed
                if chunkSize == 0 {
                    finish(context: context, reason: "the stream ended")
                    context.close(promise: nil)
                    return
                }
                phase = .chunkData(chunkSize)
            case .chunkData(let remaining):
                let take = min(remaining, count - position)
                body(UnsafeRawBufferPointer(rebasing: bytes[position..<(position + take)]), context: context)
                position += take
                phase = take == remaining ? .chunkDataEnd(2) : .chunkData(remaining - take)
            case .chunkDataEnd(let remaining):
                position += 1
                if remaining == 1 {
                    chunkSize = 0
                    phase = .chunkSize
                } else {
                    phase = .chunkDataEnd(remaining - 1)
                }
            case .identity:
                body(UnsafeRawBufferPointer(rebasing: bytes[position...]), context: context)
                position = count
            case .done:
                return
            }
        }
    }

    private static let chunkedHeader = Array("transfer-encoding: chunked".utf8)

    private func startBody(context: ChannelHandlerContext) {
        var status = 0
        if head.count > 12 { for position in 9..<12 { status = status * 10 + Int(head[position]) - 48 } }
        tally.status = status
        let lowered = head.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
        let chunked = lowered.firstRange(of: Self.chunkedHeader) != nil
        phase = chunked ? .chunkSize : .identity
        head = []
        if status != 200 {
            finish(context: context, reason: "HTTP \(status)")
            context.close(promise: nil)
        }
    }

    /// Bytes of the decoded body: whole lines are tallied in place, a line's start is kept until
    /// its end arrives.
    private func body(_ bytes: UnsafeRawBufferPointer, context: ChannelHandlerContext) {
        guard let base = bytes.baseAddress else { return }
        var start = 0
        let count = bytes.count
        while start < count {
            guard let newline = memchr(base + start, 10, count - start) else {
                partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start...]))
                return
            }
            let end = base.distance(to: UnsafeRawPointer(newline))
            if partial.isEmpty {
                line(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), context: context)
            } else {
                partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                partial.withUnsafeBytes { line($0, context: context) }
                partial.removeAll(keepingCapacity: true)
            }
            start = end + 1
        }
    }

    private static let caravanEvent = Array(#"{"Topic":""#.utf8)
    private static let caravanIndex = Array(#"{"Index":"#.utf8)
    private static let etcdRevision = Array(#""mod_revision":""#.utf8)
    private static let etcdCreated = Array(#""created":true"#.utf8)
    private static let etcdFailure = [Array(#""canceled":true"#.utf8), Array(#""error":"#.utf8)]

    private func line(_ line: UnsafeRawBufferPointer, context: ChannelHandlerContext) {
        var length = line.count
        if length > 0, line[length - 1] == 13 { length -= 1 }
        guard length > 0 else { return }
        let text = UnsafeRawBufferPointer(rebasing: line[..<length])
        switch format {
        case .caravanEvents(let after):
            if length == 2, text[0] == UInt8(ascii: "{"), text[1] == UInt8(ascii: "}") {
                connect()
                return
            }
            connect()
            guard Self.find(Self.caravanIndex, in: text, from: 0) == 0 else {
                fail("unexpected line: \(String(decoding: text.prefix(200), as: UTF8.self))", context: context)
                return
            }
            let index = Self.number(in: text, from: Self.caravanIndex.count)
            var events = 0
            var from = 0
            while let found = Self.find(Self.caravanEvent, in: text, from: from) {
                tally.count(index, after: after)
                events += 1
                from = found + Self.caravanEvent.count
            }
            if events > 0, index > after {
                tally.eventLines += 1
                tally.eventLineBytes += line.count + 1
            }
        case .etcdWatch(let after):
            if Self.find(Self.etcdCreated, in: text, from: 0) != nil {
                connect()
                return
            }
            if !text.starts(with: #"{"result""#.utf8) || Self.etcdFailure.contains(where: { Self.find($0, in: text, from: 0) != nil }) {
                fail("etcd: \(String(decoding: text.prefix(300), as: UTF8.self))", context: context)
                return
            }
            var events = 0
            var from = 0
            while let found = Self.find(Self.etcdRevision, in: text, from: from) {
                from = found + Self.etcdRevision.count
                tally.count(Self.number(in: text, from: from), after: after)
                events += 1
            }
            if events > 0 {
                tally.eventLines += 1
                tally.eventLineBytes += line.count + 1
            }
        }
        if !signalledReached, tally.events >= expected {
            signalledReached = true
            tally.finished = .now
            reachedPromise.succeed()
        }
    }

    private func connect() {
        guard !signalledConnected else { return }
        signalledConnected = true
        tally.connected = .now
        connectedPromise.succeed()
    }

    private func fail(_ reason: String, context: ChannelHandlerContext) {
        tally.ended = reason
        finish(context: context, reason: reason)
        context.close(promise: nil)
    }

    private static func find(_ needle: [UInt8], in text: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = text.baseAddress, from < text.count else { return nil }
        return needle.withUnsafeBytes { pattern -> Int? in
            // memchr for the first byte, memcmp for the rest (memmem is not in Glibc's module).
            let last = text.count - pattern.count
            var position = from
            while position <= last {
                guard let found = memchr(base + position, Int32(pattern[0]), last - position + 1) else { return nil }
                let offset = base.distance(to: UnsafeRawPointer(found))
                if memcmp(found, pattern.baseAddress!, pattern.count) == 0 { return offset }
                position = offset + 1
            }
            return nil
        }
    }

    private static func number(in text: UnsafeRawBufferPointer, from: Int) -> UInt64 {
        var value: UInt64 = 0
        var position = from
        while position < text.count, text[position] >= 48, text[position] <= 57 {
            value = value * 10 + UInt64(text[position] - 48)
            position += 1
        }
        return value
    }
}

/// Opens streaming subscriptions: one connection each, one request, its response read as a
/// stream until the benchmark closes the connection.
struct StreamingHTTPClient {
    let group: MultiThreadedEventLoopGroup
    let host: String
    let port: Int

    struct Subscription {
        let channel: any Channel
        let connected: EventLoopFuture<Void>
        let reached: EventLoopFuture<Void>
        let ended: EventLoopFuture<StreamTally>
    }

    /// Connects and sends `request` (a whole HTTP/1.1 request); the subscription counts up to
    /// `expected` events in `format`.
    func subscribe(request: [UInt8], format: StreamFormat, expected: Int) async throws -> Subscription {
        let eventLoop = group.next()
        let connected = eventLoop.makePromise(of: Void.self)
        let reached = eventLoop.makePromise(of: Void.self)
        let ended = eventLoop.makePromise(of: StreamTally.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let subscriber = StreamSubscriber(format: format, expected: expected, connected: connected, reached: reached, ended: ended)
                    try channel.pipeline.syncOperations.addHandler(subscriber)
                }
            }
            .connect(host: host, port: port).get()
        } catch {
            connected.fail(error)
            reached.fail(error)
            ended.fail(error)
            throw error
        }
        var buffer = channel.allocator.buffer(capacity: request.count)
        buffer.writeBytes(request)
        try await channel.writeAndFlush(buffer)
        return Subscription(channel: channel, connected: connected.futureResult, reached: reached.futureResult, ended: ended.futureResult)
    }
}

/// One keep-alive connection that sends requests one after another and reads each response
/// (`Content-Length` bodies only, which is what both servers answer writes with).
final class KeepAliveConnection: Sendable {
    struct Reply: Sendable {
        var status: Int
        var body: [UInt8]
        var received: ContinuousClock.Instant
    }

    let channel: any Channel

    private init(channel: any Channel) { self.channel = channel }

    static func open(group: any EventLoopGroup, host: String, port: Int) async throws -> KeepAliveConnection {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ReplyReader()) }
            }
            .connect(host: host, port: port).get()
        return KeepAliveConnection(channel: channel)
    }

    /// Sends one whole request and waits for its response.
    func send(_ request: [UInt8]) async throws -> Reply {
        let promise = channel.eventLoop.makePromise(of: Reply.self)
        var buffer = channel.allocator.buffer(capacity: request.count)
        buffer.writeBytes(request)
        channel.writeAndFlush(ReplyReader.Outbound(request: buffer, reply: promise), promise: nil)
        return try await promise.futureResult.get()
    }

    func close() async { try? await channel.close() }
}

private final class ReplyReader: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Outbound
    typealias OutboundOut = ByteBuffer

    struct Outbound {
        var request: ByteBuffer
        var reply: EventLoopPromise<KeepAliveConnection.Reply>
    }

    private var waiting: [EventLoopPromise<KeepAliveConnection.Reply>] = []
    private var received: [UInt8] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let outbound = unwrapOutboundIn(data)
        waiting.append(outbound.reply)
        context.write(wrapOutboundOut(outbound.request), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
        while !waiting.isEmpty, let (reply, length) = Self.parse(received) {
            received.removeFirst(length)
            waiting.removeFirst().succeed(reply)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        for promise in waiting { promise.fail(ChannelError.inputClosed) }
        waiting = []
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        for promise in waiting { promise.fail(error) }
        waiting = []
        context.close(promise: nil)
    }

    /// A whole response at the start of `bytes`, and its length.
    private static func parse(_ bytes: [UInt8]) -> (KeepAliveConnection.Reply, Int)? {
        bytes.withUnsafeBytes { raw in
            guard let head = ResponseHead(parsing: raw), raw.count >= head.end + head.contentLength else { return nil }
            let length = head.end + head.contentLength
            return (.init(status: head.status, body: Array(bytes[head.end..<length]), received: .now), length)
        }
    }
}
