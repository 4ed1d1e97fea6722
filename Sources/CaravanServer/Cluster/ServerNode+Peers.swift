import CaravanAdmission
import CaravanRaft
import CaravanState

/// How a fresh server finds its cluster: it introduces itself to the `-join` addresses every
/// tick until it belongs to a configuration, and bootstraps a new cluster once it knows
/// `-bootstrap-expect` servers of which none belongs to one yet.
struct Discovery: Sendable {
    let expect: Int
    let join: [String]
    var known: [NodeID: Server] = [:]
    /// Whether some server answered that it already belongs to a cluster.
    var clusterExists = false
}

extension ServerNode {
    /// Handles one frame from the peer transport. A frame that does not decode is dropped; a
    /// connection whose frames name another sender than its first one did (or this server) is
    /// closed.
    func receive(_ bytes: [UInt8], from connection: PeerConnection) {
        let frame: PeerFrame
        do {
            frame = try PeerFrame(decoding: bytes)
        } catch {
            peerLog.warning("raft-frame", "raft port: dropped a frame from \(connection.remoteAddress) that does not decode: \(error)")
            return
        }
        guard frame.sender != raft.id, connection.claim(sender: frame.sender) else {
            peerLog.warning(
                "raft-sender", "raft port: closed the connection from \(connection.remoteAddress): a frame names sender \(frame.sender), "
                    + "which is this server or not the sender its connection named first")
            connection.close()
            return
        }
        switch frame {
        case .raft(let message):
            enqueue(.message(message))
        case .forward(let requestID, let from, let operation, let credentials):
            let result: ForwardResult
            if raft.role != .leader {
                result = .notLeader
            } else {
                switch admit(operation, credentials: credentials) {
                case .success(let checked):
                    enqueue(.forwarded(from: from, requestID: requestID, operation: checked))
                    return
                case .failure(let refusal):
                    result = .refused(refusal)
                }
            }
            if let peer = addressBook[from] { send(.forwardResult(requestID: requestID, from: raft.id, result: result), to: peer) }
        case .forwardResult(let requestID, let from, let result):
            answer(requestID, from: from, result)
        case .hello(let hello):
            meet(hello, authenticated: connection.isAuthenticated)
        }
    }

    /// The leader's checks of an operation a follower forwarded, against its own state, as if
    /// the request behind it had reached this server's API: a command must decode (in a format
    /// this build knows), be valid and be allowed for the credentials; it is proposed re-encoded
    /// in this build's format, never as the bytes that came in. A membership change or transfer
    /// needs `operator:write`.
    func admit(_ operation: ForwardedOperation, credentials: WriteCredentials) -> Result<ForwardedOperation, AdmissionError> {
        do throws(AdmissionError) {
            switch operation {
            case .command(let data):
                let command: Command
                do {
                    command = try Command(decoding: data)
                } catch {
                    throw .invalid("the leader cannot decode the command: \(error.description)")
                }
                try admission.check(command, credentials: credentials, in: machine.state, now: clock())
                return .success(.command(command.encoded()))
            case .configuration, .transferLeadership:
                try admission.checkOperatorWrite(credentials: credentials, in: machine.state, now: clock())
                return .success(operation)
            }
        } catch {
            return .failure(error)
        }
    }

    func send(_ frame: PeerFrame, to server: Server) {
        guard let transport, !server.raftAddress.isEmpty else { return }
        transport.send(frame.encoded(), to: server.raftAddress)
    }

    func send(_ messages: [Message]) {
        guard !messages.isEmpty else { return }
        var appends = 0
        var entries = 0
        for message in messages {
            if message.kind == .append {
                appends += 1
                entries += message.entries.count
            }
            if let peer = addressBook[message.to] { send(.raft(message), to: peer) }
        }
        if appends > 0 { countAppends(appends, entries: entries) }
    }

    private var hello: Hello {
        var known = addressBook
        for server in discovery?.known.values ?? [:].values { known[server.id] = server }
        known[membership.server.id] = nil
        return Hello(
            server: membership.server, hasState: raft.lastIndex > 0, isMember: !raft.configuration.isEmpty,
            known: known.values.sorted { $0.id < $1.id }, isReply: false)
    }

    /// Takes in a server's introduction: the servers it names become addressable (a member's
    /// address is the configuration's, which no introduction changes), founders count it towards
    /// `-bootstrap-expect`, and it gets an answer. A leader adds a fresh server as a non-voter only
    /// if the introduction came over a connection whose TLS handshake proved it a server of the
    /// cluster: over an unauthenticated one, that would hand the whole log, token secrets
    /// included, to whoever sent it; an operator adds it instead (`PUT /v1/operator/raft/peer`).
    private func meet(_ hello: Hello, authenticated: Bool) {
        for server in [hello.server] + hello.known where server.id != raft.id && !raft.configuration.contains(server.id) {
            if addressBook[server.id] == nil || server.id == hello.server.id { addressBook[server.id] = server }
        }
        if var discovery {
            discovery.known[hello.server.id] = hello.server
            for server in hello.known where server.id != raft.id { discovery.known[server.id] = server }
            if hello.isMember { discovery.clusterExists = true }
            self.discovery = discovery
        }
        if !hello.isReply {
            var reply = self.hello
            reply.isReply = true
            send(.hello(reply), to: hello.server)
        }
        if raft.role == .leader, !hello.hasState, !raft.configuration.contains(hello.server.id) {
            if authenticated {
                enqueue(.local(.configuration(.addNonvoter(hello.server)), nil))
            } else {
                peerLog.warning(
                    "raft-join",
                    "server \(hello.server.name) (\(hello.server.raftAddress)) asks to join; the raft port is not authenticated (no TLS), "
                        + "so an operator adds it: caravan operator raft add-peer -peer-id \(hello.server.name) -peer-address \(hello.server.raftAddress)")
            }
        }
    }

    /// One tick of discovery: introduce this server around, and bootstrap when it is time.
    func tickDiscovery() {
        guard let discovery else { return }
        guard raft.configuration.isEmpty else {
            self.discovery = nil
            return
        }
        let introduction = PeerFrame.hello(hello)
        var addresses = Set(discovery.join)
        for server in discovery.known.values { addresses.insert(server.raftAddress) }
        addresses.remove(membership.server.raftAddress)
        if let transport {
            let bytes = introduction.encoded()
            for address in addresses.sorted() { transport.send(bytes, to: address) }
        }
        guard !discovery.clusterExists, raft.lastIndex == 0, discovery.expect > 1, discovery.known.count + 1 >= discovery.expect
        else { return }
        var servers = Array(discovery.known.values)
        servers.append(membership.server)
        bootstrap(
            Configuration(
                servers.map { server in
                    var voter = server
                    voter.isVoter = true
                    return voter
                }))
    }
}
