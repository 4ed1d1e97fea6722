import NIOCore
import NIOSSL
import NIOTLS

/// Sits behind the TLS handler on a connection, inbound or outbound: once the handshake has
/// verified the peer's certificate against the cluster's CA, checks that its subject alternative
/// names include the cluster's servers' name (both ends apply the same rule, whatever the TLS
/// library's own hostname check would also accept), and closes the connection if they do not.
/// Nothing is read from a connection before that.
final class PeerCertificateCheck: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let tls: PeerTLS
    private let log: RateLimitedLog
    private var verified = false

    init(tls: PeerTLS, log: RateLimitedLog) {
        self.tls = tls
        self.log = log
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            let certificate = try? context.pipeline.syncOperations.handler(type: NIOSSLHandler.self).peerCertificate
            guard let certificate, tls.namesAServer(certificate) else {
                log.warning(
                    "raft-certificate",
                    "raft port: refused \(context.remoteAddress?.description ?? "a peer"): its certificate does not name \(tls.serverName)")
                context.close(promise: nil)
                return
            }
            verified = true
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard verified else {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
    }

    /// Before the handshake has verified the peer, an error is a refused connection; after it,
    /// the end of a member's connection (a server that stops or crashes), which is not.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !verified {
            log.warning("raft-tls", "raft port: closed \(context.remoteAddress?.description ?? "a peer") during TLS: \(error)")
        }
        context.close(promise: nil)
    }
}
