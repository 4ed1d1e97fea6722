import NIOCore
import Synchronization

/// One connection accepted on the raft port, as the receiver of its frames sees it: who is at the
/// other end, whether a TLS handshake proved it a server of the cluster, and the one sender its
/// frames may name.
public final class PeerConnection: Sendable {
    /// Unique among the connections one transport accepted.
    public let id: UInt64
    /// The remote end's address, for log lines.
    public let remoteAddress: String
    /// Whether the peer presented a certificate from the cluster's CA naming the cluster's
    /// servers (always false without TLS).
    public let isAuthenticated: Bool
    private let channel: any Channel
    private let sender = Mutex<UInt64?>(nil)

    init(id: UInt64, channel: any Channel, isAuthenticated: Bool) {
        self.id = id
        self.channel = channel
        self.isAuthenticated = isAuthenticated
        remoteAddress = channel.remoteAddress?.description ?? "unknown"
    }

    /// Binds the connection to the server its first frame names; later frames must name the same
    /// one. Returns false, binding nothing, for a frame that names another.
    public func claim(sender claimed: UInt64) -> Bool {
        sender.withLock { sender in
            if let sender { return sender == claimed }
            sender = claimed
            return true
        }
    }

    /// Closes the connection (for a peer that broke the protocol).
    public func close() {
        channel.close(promise: nil)
    }
}
