import CaravanAdmission
import CaravanCore
import CaravanRaft
import Foundation
import Synchronization

@testable import CaravanServer

/// An intruder on a cluster's raft port: it sends hand-made frames in the servers' own format,
/// claiming to be a server of its choosing, and listens on a port of its own, so that answers a
/// server sends to the server it claims to be (after a `hello` told them where it is) reach it.
final class Forger {
    let transport: PeerTransport
    /// Who the forger claims to be.
    let identity: Server
    private let received = Received()
    private let nextRequest = Mutex<UInt64>(1)

    /// The frames that reached the forger.
    private final class Received: Sendable {
        private let frames = Mutex<[PeerFrame]>([])
        func append(_ frame: PeerFrame) { frames.withLock { $0.append(frame) } }
        var all: [PeerFrame] { frames.withLock { $0 } }
    }

    /// A forger named `name` (its claimed server ID is that name's), speaking TLS with `tls` or
    /// plain TCP.
    init(name: String, tls: PeerTLS? = nil) async throws {
        let received = self.received
        transport = try await PeerTransport.start(host: "127.0.0.1", port: 0, tls: tls) { bytes, _ in
            if let frame = try? PeerFrame(decoding: bytes) { received.append(frame) }
        }
        identity = Server(id: Server.id(named: name), name: name, raftAddress: transport.localAddress, httpAddress: "", isVoter: false)
    }

    deinit {
        let transport = self.transport
        Task { await transport.shutdown() }
    }

    /// Introduces the forger as a fresh server (no log, no configuration) to the server at `address`.
    func hello(to address: String) {
        let hello = Hello(server: identity, hasState: false, isMember: false, known: [], isReply: false)
        transport.send(PeerFrame.hello(hello).encoded(), to: address)
    }

    /// Sends `operation` as a follower forwards it, with `credentials`, naming the forger (or
    /// `sender`) as its sender; returns its request ID.
    func forward(
        _ operation: ForwardedOperation, credentials: WriteCredentials = .anonymous, to address: String, sender: NodeID? = nil
    ) -> UInt64 {
        let requestID = nextRequest.withLock { id in
            defer { id += 1 }
            return id
        }
        transport.send(
            PeerFrame.forward(requestID: requestID, from: sender ?? identity.id, operation: operation, credentials: credentials).encoded(),
            to: address)
        return requestID
    }

    /// The answer to request `requestID`, once one has arrived (within 20 s).
    func answer(to requestID: UInt64) async -> ForwardResult? {
        var result: ForwardResult?
        _ = await eventually {
            result = received.all.lazy.compactMap { frame -> ForwardResult? in
                guard case .forwardResult(requestID, _, let result) = frame else { return nil }
                return result
            }.first
            return result != nil
        }
        return result
    }

    /// Sends `bytes` as one frame, whatever they hold.
    func send(raw bytes: [UInt8], to address: String) {
        transport.send(bytes, to: address)
    }

    /// Every frame that reached the forger.
    var frames: [PeerFrame] { received.all }
}
