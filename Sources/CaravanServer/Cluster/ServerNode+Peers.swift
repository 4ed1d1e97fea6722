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
    /// Handles one frame from the peer transport. A connection that sends a frame that does not
    /// decode, or whose frames name another sender than its first one did (or this server), is
    /// closed.
    func receive(_ bytes: [UInt8], from connection: PeerConnection) {
        let frame: PeerFrame
        do {
            frame = try PeerFrame(decoding: bytes)
        } catch {
            peerLog.warning("raft-frame", "raft port: closed the connection from \(connection.remoteAddress): a frame does not decode: \(error)")
            connection.close()
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
    /// needs `operator:write`; a server to add must be named as every server names itself, and a
    /// promotion is never taken from outside (the leader promotes a server once it replicates).
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
            case .configuration(let change):
                try admission.checkOperatorWrite(credentials: credentials, in: machine.state, now: clock())
                switch change {
                case .promote:
                    throw .invalid("the leader promotes a server itself, once it replicates the log")
                case .addNonvoter(let server):
                    guard server.id == Server.id(named: server.name), !server.isVoter,
                        let address = AgentConfiguration.parseAddress(server.raftAddress), address.port != 0
                    else { throw .invalid("a server to add needs the ID its name gives and a raft address HOST:PORT") }
                case .remove:
                    break
                }
                return .success(operation)
            case .transferLeadership:
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

    /// Takes in a server's introduction.
    ///
    /// While this server looks for its cluster (it belongs to no configuration yet), the servers
    /// an introduction names become addressable, founders count them towards
    /// `-bootstrap-expect`, and the introduction gets an answer. A member takes an introduction
    /// only over a connection whose TLS handshake proved it a server of the cluster (then the
    /// leader adds a fresh server as a non-voter), or from a server the configuration already
    /// holds (one an operator added, which learns the cluster's addresses from the answer). Over
    /// an unauthenticated connection a member answers nothing else and records nothing: adding
    /// the sender would stream it the whole log, token secrets included, and answering would let
    /// anyone make the server connect where they like. The member logs that the server asks to
    /// join, and an operator adds it (`PUT /v1/operator/raft/peer`). A member's address is the
    /// configuration's, which no introduction changes, and at most ``maxIntroducedServers`` others
    /// are kept.
    private func meet(_ hello: Hello, authenticated: Bool) {
        let discovering = raft.configuration.isEmpty
        let joining = !hello.hasState && !raft.configuration.contains(hello.server.id)
        guard discovering || authenticated || raft.configuration.contains(hello.server.id) else {
            if joining {
                peerLog.warning(
                    "raft-join",
                    "server \(hello.server.name) (\(hello.server.raftAddress)) asks to join; the raft port is not authenticated (no TLS), "
                        + "so an operator adds it: caravan operator raft add-peer -peer-id \(hello.server.name) -peer-address \(hello.server.raftAddress)")
            }
            return
        }
        for server in [hello.server] + (discovering ? hello.known : []) where server.id != raft.id {
            introduce(server, replacing: server.id == hello.server.id)
        }
        if var discovery {
            if addressBook[hello.server.id] != nil { discovery.known[hello.server.id] = hello.server }
            for server in hello.known where server.id != raft.id && addressBook[server.id] != nil { discovery.known[server.id] = server }
            if hello.isMember { discovery.clusterExists = true }
            self.discovery = discovery
        }
        if !hello.isReply, let sender = addressBook[hello.server.id] {
            var reply = self.hello
            reply.isReply = true
            send(.hello(reply), to: sender)
        }
        if raft.role == .leader, joining {
            enqueue(.local(.configuration(.addNonvoter(hello.server)), nil))
        }
    }

    /// How many servers outside the configuration an introduction may make addressable.
    static let maxIntroducedServers = 64

    /// Makes `server` addressable unless it is a configuration member (whose address is the
    /// configuration's) or the bound on introduced servers is reached; an address already known
    /// changes only if `replacing`.
    private func introduce(_ server: Server, replacing: Bool) {
        guard !raft.configuration.contains(server.id) else { return }
        if addressBook[server.id] != nil {
            if replacing { addressBook[server.id] = server }
            return
        }
        let introduced = addressBook.keys.filter { !raft.configuration.contains($0) }.count
        guard introduced < Self.maxIntroducedServers else { return }
        addressBook[server.id] = server
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
