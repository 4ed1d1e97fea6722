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
        guard let input else { return }
        if inboxHasRoom {
            enqueue(input)
        } else {
            refuse(input)
        }
    }

    /// Turns away a peer's input at a full inbox (``ServerLimits/inbox``): a forwarded write,
    /// membership change or transfer is answered `overloaded` (the follower's client gets the
    /// 429) and never proposed; a raft message or a joining server's introduction is dropped,
    /// since raft and `Hello` send again.
    func refuse(_ input: CoreInput) {
        let reason = inboxFull.description
        if case .forwarded(let from, let requestID, _) = input, let peer = core.addressBook[from] {
            send([(.forwardResult(requestID: requestID, from: core.raft.id, result: .overloaded(reason)), peer)])
        }
        peerLog.warning("raft-inbox", "raft port: dropped a peer's input: \(reason)")
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
