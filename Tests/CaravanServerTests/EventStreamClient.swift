import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One event stream read line by line over a real connection, as a client tails
/// `/v1/event/stream`: the answer's status first, then each NDJSON line as it arrives.
struct EventStreamClient {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// What a stream's reader sees: the status and body of a refused request, or lines.
    final class Lines {
        private var iterator: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
        private var pending = ""
        private var ended = false

        init(_ iterator: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator) {
            self.iterator = iterator
        }

        /// The next line (without its newline), or nil once the stream ended.
        func next() async throws -> String? {
            while true {
                if let newline = pending.firstIndex(of: "\n") {
                    let line = String(pending[..<newline])
                    pending.removeSubrange(...newline)
                    return line
                }
                guard !ended, let part = try await iterator.next() else {
                    ended = true
                    return nil
                }
                switch part {
                case .head: continue
                case .body(let chunk): pending += String(buffer: chunk)
                case .end: ended = true
                }
            }
        }
    }

    /// Opens `path` on 127.0.0.1:`port` and runs `body` with the answer's status and its lines;
    /// the connection closes when `body` returns, or after `timeout`.
    static func stream<Value: Sendable>(
        port: Int, _ path: String, token: String? = nil, timeout: Duration = .seconds(30),
        _ body: (_ status: Int, _ lines: Lines) async throws -> Value
    ) async throws -> Value {
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
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
            head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
            if let token { head.headers.add(name: "X-Nomad-Token", value: token) }
            try await outbound.write(contentsOf: [.head(head), .end(nil)])
            var iterator = inbound.makeAsyncIterator()
            guard case .head(let answer) = try await iterator.next() else { throw Failure(description: "no answer head") }
            return try await body(Int(answer.status.code), Lines(iterator))
        }
    }
}
