import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One destination's outbound link: the frames queued for it, the single connection that carries
/// them, and the back-off between attempts to open that connection.
///
/// Senders on any thread append to the queue under the lock; the connection's event loop does
/// everything else (connecting, writing, reacting to close), so frames leave in the order they
/// were queued. One drain is scheduled per burst of sends, so frames queued within one
/// event-loop tick go out in one write and one flush. The connection is only ever written to:
/// what the destination has to say comes back over its own outbound connection to us.
final class OutboundConnection: Sendable {
    private enum Link {
        /// No connection and no attempt under way; the next frame starts one.
        case idle
        case connecting
        case connected(any Channel)
        /// An attempt failed or the connection was lost with frames queued; a timer retries.
        case waiting
        case shutDown
    }

    private struct State {
        var link = Link.idle
        var queue: FrameQueue
        var drainScheduled = false
        var backoff = Backoff()
    }

    /// What the event loop does once the lock is released.
    private enum Action {
        case none
        case connect
        case write(CircularBuffer<[UInt8]>, to: any Channel)
        case retry(after: TimeAmount)
        case close(any Channel)
    }

    private let host: String
    private let port: Int
    private let eventLoop: any EventLoop
    private let tls: PeerTLS?
    /// How long one connection attempt may take before it counts as failed.
    private let connectTimeout: TimeAmount
    private let log: RateLimitedLog
    private let state: Mutex<State>

    /// A link to `host:port` whose connection lives on `eventLoop` (mutual TLS with `tls`, its
    /// queue and connection attempts bounded by `limits`, refusals reported to `log`); nothing is
    /// opened until the first frame is queued.
    init(host: String, port: Int, eventLoop: any EventLoop, tls: PeerTLS?, limits: PeerTransportLimits, log: RateLimitedLog) {
        self.host = host
        self.port = port
        self.eventLoop = eventLoop
        self.tls = tls
        self.connectTimeout = limits.connectTimeout
        self.log = log
        self.state = Mutex(State(queue: FrameQueue(limits: limits)))
    }

    /// Queues `frame` and makes sure a drain is scheduled; callable from any thread. After
    /// ``shutdown()`` the frame is dropped.
    func enqueue(_ frame: [UInt8]) {
        let scheduleDrain = state.withLock { state -> Bool in
            if case .shutDown = state.link { return false }
            state.queue.append(frame)
            guard !state.drainScheduled else { return false }
            switch state.link {
            case .idle, .connected:
                state.drainScheduled = true
                return true
            case .connecting, .waiting, .shutDown:
                return false
            }
        }
        if scheduleDrain { eventLoop.execute { self.drain() } }
    }

    /// Closes the connection, if any, and drops queued frames; an attempt still under way closes
    /// its connection when it completes.
    func shutdown() async {
        let channel = state.withLock { state -> (any Channel)? in
            defer {
                state.link = .shutDown
                _ = state.queue.removeAll()
            }
            guard case .connected(let channel) = state.link else { return nil }
            return channel
        }
        guard let channel else { return }
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }

    /// Writes what is queued, or starts connecting if there is no connection. Runs on the event loop.
    private func drain() {
        perform(
            state.withLock { state in
                state.drainScheduled = false
                switch state.link {
                case .idle where !state.queue.isEmpty:
                    state.link = .connecting
                    return .connect
                case .connected(let channel):
                    return Self.write(from: &state, to: channel)
                case .idle, .connecting, .waiting, .shutDown:
                    return .none
                }
            })
    }

    /// The queued frames, if the connection can take them now; while NIO's own buffer is above its
    /// high-water mark frames stay in the bounded queue until the connection is writable again.
    private static func write(from state: inout State, to channel: any Channel) -> Action {
        guard channel.isWritable, !state.queue.isEmpty else { return .none }
        return .write(state.queue.removeAll(), to: channel)
    }

    private func perform(_ action: Action) {
        switch action {
        case .none:
            break
        case .connect:
            connect()
        case .write(let frames, let channel):
            var buffer = channel.allocator.buffer(capacity: frames.reduce(0) { $0 + FrameCodec.headerLength + $1.count })
            for frame in frames { buffer.writeFrame(frame) }
            channel.writeAndFlush(buffer, promise: nil)
        case .retry(let delay):
            eventLoop.scheduleTask(in: delay) { self.retry() }
        case .close(let channel):
            channel.close(promise: nil)
        }
    }

    private func connect() {
        ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelInitializer { [tls, log] channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls.clientContext, serverHostname: tls.serverName))
                        try channel.pipeline.syncOperations.addHandler(PeerCertificateCheck(tls: tls, log: log))
                    }
                    try channel.pipeline.syncOperations.addHandler(OutboundHandler(connection: self))
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in self.connectCompleted(result) }
    }

    private func connectCompleted(_ result: Result<any Channel, any Error>) {
        switch result {
        case .success(let channel):
            let action = state.withLock { state -> Action in
                if case .shutDown = state.link { return .close(channel) }
                state.link = .connected(channel)
                state.backoff.reset()
                return Self.write(from: &state, to: channel)
            }
            // Registered once the link records the channel, so a channel that is already closed
            // (the callback then runs at once) is still forgotten.
            channel.closeFuture.whenComplete { _ in self.closed(channel) }
            perform(action)
        case .failure:
            perform(
                state.withLock { state in
                    if case .shutDown = state.link { return .none }
                    state.link = .waiting
                    return .retry(after: state.backoff.next())
                })
        }
    }

    private func retry() {
        perform(
            state.withLock { state in
                guard case .waiting = state.link else { return .none }
                guard !state.queue.isEmpty else {
                    state.link = .idle
                    return .none
                }
                state.link = .connecting
                return .connect
            })
    }

    /// Forgets a connection that closed; frames still queued are retried after the back-off,
    /// otherwise the next frame reconnects.
    private func closed(_ channel: any Channel) {
        perform(
            state.withLock { state in
                guard case .connected(let current) = state.link, current === channel else { return .none }
                guard !state.queue.isEmpty else {
                    state.link = .idle
                    return .none
                }
                state.link = .waiting
                return .retry(after: state.backoff.next())
            })
    }

    /// Resumes draining when the connection's outbound buffer has room again. Runs on the event loop.
    fileprivate func writabilityChanged() {
        drain()
    }
}

/// Sits on an outbound connection: discards anything the destination sends (replies travel on the
/// destination's own connection to us), closes on errors, and wakes the queue when the connection
/// becomes writable again.
private final class OutboundHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let connection: OutboundConnection

    init(connection: OutboundConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { connection.writabilityChanged() }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
