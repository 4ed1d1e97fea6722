import CaravanTestSupport
import NIOCore
import Synchronization
import Testing

@testable import CaravanServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct PeerTransportTests {
    /// Every frame, of any size including empty, reaches the other side whole and in send order.
    @Test func framesArriveInOrderAndIntact() async throws {
        let (receiver, inbox) = try await Receiver.start()
        let sender = try await Receiver.start().transport
        let frames = (0..<500).map { numbered($0, size: $0 * 7 % 3000) } + [numbered(500, size: 1 << 20)]
        for frame in frames { sender.send(frame, to: receiver.localAddress) }
        try await eventually("all frames arrived") { inbox.count == frames.count }
        #expect(inbox.frames == frames)
        await sender.shutdown()
        await receiver.shutdown()
    }

    /// Frames from concurrent senders to one destination all arrive, each sender's in its own order.
    @Test func concurrentSendersEachKeepTheirOrder() async throws {
        let (receiver, inbox) = try await Receiver.start()
        let sender = try await Receiver.start().transport
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    for sequence in 0..<200 { sender.send([UInt8(task)] + numbered(sequence, size: 8), to: receiver.localAddress) }
                }
            }
        }
        try await eventually("all frames arrived") { inbox.count == 800 }
        for task in 0..<4 {
            let sequences = inbox.frames.filter { $0.first == UInt8(task) }.map { sequenceNumber(of: Array($0.dropFirst())) }
            #expect(sequences == Array(0..<200))
        }
        await sender.shutdown()
        await receiver.shutdown()
    }

    /// A frame sent while nothing listens at the destination is queued and delivered by a later
    /// reconnect attempt once the destination starts.
    @Test func aFrameSentBeforeThePeerListensArrivesOnceItStarts() async throws {
        let port = try await unusedPort()
        let sender = try await Receiver.start().transport
        sender.send([1, 2, 3], to: "127.0.0.1:\(port)")
        let (receiver, inbox) = try await Receiver.start(port: port)
        try await eventually("the queued frame arrived") { inbox.frames == [[1, 2, 3]] }
        await sender.shutdown()
        await receiver.shutdown()
    }

    /// A destination that shuts down and starts again on the same port receives frames sent after
    /// the restart over a new connection.
    @Test func aPeerThatRestartsReceivesLaterFrames() async throws {
        let sender = try await Receiver.start().transport
        let (first, firstInbox) = try await Receiver.start()
        sender.send([1], to: first.localAddress)
        try await eventually("the first frame arrived") { firstInbox.frames == [[1]] }
        await first.shutdown()

        let (second, secondInbox) = try await Receiver.start(port: port(of: first))
        // A frame written before the sender notices the old connection is gone is lost with it;
        // raft retransmits, and so does this test, until one gets through.
        try await eventually("a frame sent after the restart arrived") {
            sender.send([2], to: first.localAddress)
            return secondInbox.count > 0
        }
        #expect(secondInbox.frames.allSatisfy { $0 == [2] })
        await sender.shutdown()
        await second.shutdown()
    }

    /// Bytes written by hand in the documented wire format (4-byte big-endian length, then the
    /// payload) arrive as one frame.
    @Test func aHandWrittenFrameInTheWireFormatArrives() async throws {
        let (receiver, inbox) = try await Receiver.start()
        let client = try RawClient(port: port(of: receiver))
        defer { client.close() }
        client.write([0, 0, 0, 3, 7, 8, 9, 0, 0])
        client.write([0, 1, 42])
        try await eventually("both frames arrived") { inbox.count == 2 }
        #expect(inbox.frames == [[7, 8, 9], [42]])
        await receiver.shutdown()
    }

    /// A length above the limit (16 MiB) closes that connection at once, before any of the frame
    /// is buffered; the listener still accepts and serves others.
    @Test func anOversizedLengthClosesTheConnectionAndTheListenerKeepsServing() async throws {
        let (receiver, inbox) = try await Receiver.start()
        let client = try RawClient(port: port(of: receiver))
        defer { client.close() }
        client.write([0, 0, 0, 1, 5])
        client.write(withUnsafeBytes(of: UInt32(16 << 20 + 1).bigEndian, Array.init))
        #expect(client.readUntilClosed())
        #expect(inbox.frames == [[5]])
        try await eventually("the oversized frame counts as a refusal") { receiver.refusedConnections == 1 }

        let sender = try await Receiver.start().transport
        sender.send([6], to: receiver.localAddress)
        try await eventually("a frame on a new connection arrived") { inbox.count == 2 }
        #expect(inbox.frames == [[5], [6]])
        await sender.shutdown()
        await receiver.shutdown()
    }

    /// Frames to a destination that is down wait in their own queue; frames to a reachable one go
    /// out meanwhile.
    @Test func oneDestinationDownDoesNotHoldUpFramesToAnother() async throws {
        let down = "127.0.0.1:\(try await unusedPort())"
        let (receiver, inbox) = try await Receiver.start()
        let sender = try await Receiver.start().transport
        for index in 0..<10 {
            sender.send(numbered(index, size: 100), to: down)
            sender.send(numbered(index, size: 100), to: receiver.localAddress)
        }
        try await eventually("frames to the reachable destination arrived") { inbox.count == 10 }
        #expect(inbox.frames == (0..<10).map { numbered($0, size: 100) })
        await sender.shutdown()
        await receiver.shutdown()
    }

    /// While a destination is down at most 1,024 frames wait for it; the oldest are dropped and
    /// the newest delivered once it is up.
    @Test func whileADestinationIsDownOnlyTheNewest1024FramesAreKept() async throws {
        let port = try await unusedPort()
        let sender = try await Receiver.start().transport
        for index in 0..<1100 { sender.send(numbered(index, size: 16), to: "127.0.0.1:\(port)") }
        let (receiver, inbox) = try await Receiver.start(port: port)
        try await eventually("the kept frames arrived") { inbox.count >= 1024 }
        #expect(inbox.frames == (76..<1100).map { numbered($0, size: 16) })
        await sender.shutdown()
        await receiver.shutdown()
    }

    /// After shutdown the port is free to bind again and the transport's later sends go nowhere.
    @Test func shutdownClosesTheListenerAndDropsLaterSends() async throws {
        let (first, _) = try await Receiver.start()
        let sender = try await Receiver.start().transport
        await first.shutdown()
        await sender.shutdown()

        let (second, inbox) = try await Receiver.start(port: port(of: first))
        sender.send([1], to: second.localAddress)
        let witness = try await Receiver.start().transport
        witness.send([2], to: second.localAddress)
        try await eventually("the witness's frame arrived") { inbox.count > 0 }
        #expect(inbox.frames == [[2]])
        await witness.shutdown()
        await second.shutdown()
    }

    /// The queue for a destination keeps at most 8 MiB, dropping the oldest frames, yet always
    /// keeps the newest frame even when it alone is larger.
    @Test func theQueueKeepsAtMost8MiBButAlwaysTheNewestFrame() {
        var queue = FrameQueue()
        for index in 0..<10 { queue.append(numbered(index, size: 1 << 20)) }
        #expect(queue.byteCount == 8 << 20)
        #expect(Array(queue.frames) == (2..<10).map { numbered($0, size: 1 << 20) })

        queue.append(numbered(10, size: 9 << 20))
        #expect(Array(queue.frames) == [numbered(10, size: 9 << 20)])
    }

    /// Past the per-address limit a new connection is closed before anything is read from it;
    /// once one of the open ones closes, the next is accepted.
    @Test func connectionsPastThePerAddressLimitAreClosed() async throws {
        var limits = PeerTransportLimits()
        limits.maxConnectionsPerAddress = 3
        let (receiver, inbox) = try await Receiver.start(limits: limits)
        let open = try (0..<3).map { _ in try RawClient(port: port(of: receiver)) }
        for (index, client) in open.enumerated() { client.write([0, 0, 0, 1, UInt8(index)]) }
        try await eventually("the three connections' frames arrived") { inbox.count == 3 }
        let fourth = try RawClient(port: port(of: receiver))
        fourth.write([0, 0, 0, 1, 9])
        #expect(fourth.readUntilClosed())
        fourth.close()
        try await eventually("the fourth connection counts as a refusal") { receiver.refusedConnections == 1 }
        open[0].close()
        try await eventually("a connection is accepted again once one closed") {
            let next = try? RawClient(port: port(of: receiver))
            defer { next?.close() }
            next?.write([0, 0, 0, 1, 7])
            return inbox.frames.contains([7])
        }
        #expect(!inbox.frames.contains([9]))
        for client in open.dropFirst() { client.close() }
        await receiver.shutdown()
    }

    /// A connection that sends no frame within the deadline is closed.
    @Test func aConnectionThatSendsNothingIsClosedAfterTheDeadline() async throws {
        var limits = PeerTransportLimits()
        limits.firstFrameDeadline = .milliseconds(200)
        let (receiver, _) = try await Receiver.start(limits: limits)
        let client = try RawClient(port: port(of: receiver))
        defer { client.close() }
        let start = ContinuousClock.now
        #expect(client.readUntilClosed())
        #expect(ContinuousClock.now - start < .seconds(4))
        await receiver.shutdown()
    }

    /// A connection that goes quiet after its first frame is closed once the idle timeout passes.
    @Test func aConnectionThatFallsSilentIsClosedAfterTheIdleTimeout() async throws {
        var limits = PeerTransportLimits()
        limits.idleTimeout = .milliseconds(200)
        let (receiver, inbox) = try await Receiver.start(limits: limits)
        let client = try RawClient(port: port(of: receiver))
        defer { client.close() }
        client.write([0, 0, 0, 1, 5])
        try await eventually("the frame arrived") { inbox.count == 1 }
        #expect(client.readUntilClosed())
        await receiver.shutdown()
    }

    /// A connection binds to the first sender its frames name and refuses every other.
    @Test func aConnectionKeepsTheSenderItFirstNamed() async throws {
        let (receiver, inbox) = try await Receiver.start()
        let sender = try await Receiver.start().transport
        sender.send([1], to: receiver.localAddress)
        try await eventually("the frame arrived") { inbox.count == 1 }
        let connection = try #require(inbox.connections.first)
        #expect(!connection.isAuthenticated)
        #expect(connection.claim(sender: 7))
        #expect(connection.claim(sender: 7))
        #expect(!connection.claim(sender: 8))
        await sender.shutdown()
        await receiver.shutdown()
    }

    /// With mutual TLS, servers holding certificates of the cluster's CA exchange frames, and
    /// the receiver knows the connection is authenticated.
    @Test func serversWithTheClusterCertificatesTalkOverTLS() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let (receiver, inbox) = try await Receiver.start(tls: try tls(certificates, "s1"))
        let sender = try await Receiver.start(tls: try tls(certificates, "s2")).transport
        let frames = (0..<50).map { numbered($0, size: $0 * 331 % 5000) } + [numbered(50, size: 2 << 20)]
        for frame in frames { sender.send(frame, to: receiver.localAddress) }
        try await eventually("all frames arrived over TLS") { inbox.count == frames.count }
        #expect(inbox.frames == frames)
        #expect(inbox.connections.allSatisfy { $0.isAuthenticated })
        await sender.shutdown()
        await receiver.shutdown()
    }

    /// A TLS listener closes, before reading a frame, a plaintext connection, a certificate from
    /// another CA, and a certificate of the cluster's CA that names another region's servers.
    @Test func aTLSListenerRefusesEveryoneWithoutTheClusterCertificate() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let (receiver, inbox) = try await Receiver.start(tls: try tls(certificates, "s1"))

        let plaintext = try RawClient(port: port(of: receiver))
        plaintext.write([0, 0, 0, 1, 5])
        #expect(plaintext.readUntilClosed())
        plaintext.close()
        try await eventually("the plaintext connection was refused") { receiver.refusedConnections >= 1 }

        let intruders = try TestCertificates()
        defer { intruders.remove() }
        let foreign = try intruders.server("intruder")
        let foreignTLS = try PeerTLS(caFile: certificates.caFile, certificateFile: foreign.certificateFile, keyFile: foreign.keyFile)
        let otherRegion = try certificates.server("elsewhere", region: "other")
        let otherRegionTLS = try PeerTLS(
            caFile: certificates.caFile, certificateFile: otherRegion.certificateFile, keyFile: otherRegion.keyFile, region: "global")
        for (attempt, intruderTLS) in [foreignTLS, otherRegionTLS].enumerated() {
            let intruder = try await Receiver.start(tls: intruderTLS).transport
            intruder.send([6], to: receiver.localAddress)
            try await eventually("the intruder was refused") { receiver.refusedConnections >= 2 + attempt }
            await intruder.shutdown()
        }
        let member = try await Receiver.start(tls: try tls(certificates, "s2")).transport
        member.send([7], to: receiver.localAddress)
        try await eventually("the member's frame arrived") { inbox.count > 0 }
        #expect(inbox.frames == [[7]])
        await member.shutdown()
        await receiver.shutdown()
    }

    /// Reconnect delays start at 10 ms, double up to 1 s, and start over after a reset.
    @Test func backoffDoublesFrom10MillisecondsUpTo1Second() {
        var backoff = Backoff()
        let delays = (0..<9).map { _ in backoff.next() }
        #expect(delays == [10, 20, 40, 80, 160, 320, 640, 1000, 1000].map { TimeAmount.milliseconds($0) })
        backoff.reset()
        #expect(backoff.next() == .milliseconds(10))
    }
}

/// A transport listening on 127.0.0.1 that collects what it receives.
private enum Receiver {
    static func start(
        port: Int = 0, tls: PeerTLS? = nil, limits: PeerTransportLimits = PeerTransportLimits()
    ) async throws -> (transport: PeerTransport, inbox: Inbox) {
        let inbox = Inbox()
        let transport = try await PeerTransport.start(host: "127.0.0.1", port: port, tls: tls, limits: limits) { inbox.deliver($0, $1) }
        return (transport, inbox)
    }
}

/// Mutual TLS for server `name` with a certificate of `certificates`' CA.
private func tls(_ certificates: TestCertificates, _ name: String) throws -> PeerTLS {
    let files = try certificates.server(name)
    return try PeerTLS(caFile: certificates.caFile, certificateFile: files.certificateFile, keyFile: files.keyFile)
}

/// The frames a transport received, in arrival order, and the connections they came on.
private final class Inbox: Sendable {
    private let received = Mutex<[([UInt8], PeerConnection)]>([])

    func deliver(_ frame: [UInt8], _ connection: PeerConnection) {
        received.withLock { $0.append((frame, connection)) }
    }

    var frames: [[UInt8]] { received.withLock { $0.map(\.0) } }
    var connections: [PeerConnection] { received.withLock { $0.map(\.1) } }
    var count: Int { received.withLock { $0.count } }
}

/// A frame of `size` bytes (at least 4) that starts with `index` and is otherwise filled with a
/// byte derived from it.
private func numbered(_ index: Int, size: Int) -> [UInt8] {
    withUnsafeBytes(of: UInt32(index).bigEndian, Array.init)
        + [UInt8](repeating: UInt8(truncatingIfNeeded: index &* 31 &+ 7), count: max(size - 4, 0))
}

private func sequenceNumber(of frame: [UInt8]) -> Int {
    Int(frame.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
}

private func port(of transport: PeerTransport) -> Int {
    Int(transport.localAddress.split(separator: ":").last!)!
}

/// A port that was free a moment ago: bound with port 0, then released.
private func unusedPort() async throws -> Int {
    let transport = try await Receiver.start().transport
    await transport.shutdown()
    return port(of: transport)
}

/// A blocking TCP client on a raw socket, to put hand-made bytes on the wire.
private struct RawClient {
    struct ConnectFailed: Error {}

    private let descriptor: Int32

    init(port: Int) throws {
        #if canImport(Glibc)
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw ConnectFailed() }
    }

    func write(_ bytes: [UInt8]) {
        let written = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        #expect(written == bytes.count)
    }

    /// Reads until the other side closes; false if it is still open after the 5 s receive timeout.
    func readUntilClosed() -> Bool {
        var scratch = [UInt8](repeating: 0, count: 64)
        while true {
            let count = recv(descriptor, &scratch, scratch.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    func close() {
        #if canImport(Glibc)
            _ = Glibc.close(descriptor)
        #else
            _ = Darwin.close(descriptor)
        #endif
    }
}
