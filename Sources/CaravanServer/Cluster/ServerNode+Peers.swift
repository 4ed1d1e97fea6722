import CaravanCore
import CaravanRaft

/// Frames to and from the other servers.
extension ServerNode {
    /// Handles one frame from the peer transport. A connection that sends a frame that does not
    /// decode, or whose frames name another sender than its first one did (or this server), is
    /// closed; anything else goes to the core.
    func receive(_ bytes: [UInt8], from connection: PeerConnection) {
        let frame: PeerFrame
        do {
            frame = try PeerFrame(decoding: bytes)
        } catch {
            peerLog.warning("raft-frame", "raft port: closed the connection from \(connection.remoteAddress): a frame does not decode: \(error)")
            connection.close()
            return
        }
        guard frame.sender != core.raft.id, connection.claim(sender: frame.sender) else {
            peerLog.warning(
                "raft-sender", "raft port: closed the connection from \(connection.remoteAddress): a frame names sender \(frame.sender), "
                    + "which is this server or not the sender its connection named first")
            connection.close()
            return
        }
        let (input, output) = core.receive(frame, authenticated: connection.isAuthenticated, now: clock())
        perform(output)
        if let input { enqueue(input) }
    }

    /// Sends frames to the servers they are for (a server's raft address).
    func send(_ frames: [(frame: PeerFrame, to: Server)]) {
        guard let transport, !frames.isEmpty else { return }
        countAppends(frames)
        for (frame, server) in frames where !server.raftAddress.isEmpty {
            transport.send(frame.encoded(), to: server.raftAddress)
        }
    }
}
