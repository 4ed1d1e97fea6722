import CaravanRaft

/// How servers find each other: introductions (`Hello`), discovery ticks, and the bootstrap of a
/// new cluster.
extension ServerCore {
    /// This server's introduction: who it is, whether it has state and a configuration, and the
    /// servers it knows.
    var hello: Hello {
        var known = addressBook
        for server in discovery?.known.values ?? [:].values { known[server.id] = server }
        known[membership.server.id] = nil
        let founding = discovery.map { $0.expect > 1 && raft.lastIndex == 0 ? $0.expect : 0 } ?? 0
        return Hello(
            server: membership.server, hasState: raft.lastIndex > 0, isMember: !raft.configuration.isEmpty,
            known: known.values.sorted { $0.id < $1.id }, isReply: false, founding: founding)
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
    /// configuration's, which no introduction changes, and at most ``CoreLimits/introducedServers`` others
    /// are kept.
    mutating func meet(_ hello: Hello, authenticated: Bool) -> (input: CoreInput?, output: CoreOutput) {
        var output = CoreOutput()
        let discovering = raft.configuration.isEmpty
        let joining = !hello.hasState && !raft.configuration.contains(hello.server.id)
        guard discovering || authenticated || raft.configuration.contains(hello.server.id) else {
            if joining {
                output.warnings.append(
                    (
                        "raft-join",
                        "server \(hello.server.name) (\(hello.server.raftAddress)) asks to join; the raft port is not authenticated (no TLS), "
                            + "so an operator adds it: caravan operator raft add-peer -peer-id \(hello.server.name) -peer-address \(hello.server.raftAddress)"
                    ))
            }
            return (nil, output)
        }
        for server in [hello.server] + (discovering ? hello.known : []) where server.id != raft.id {
            introduce(server, replacing: server.id == hello.server.id)
        }
        if var discovery {
            if addressBook[hello.server.id] != nil {
                discovery.known[hello.server.id] = hello.server
                if hello.founding == discovery.expect { discovery.founders[hello.server.id] = hello.server }
            }
            for server in hello.known where server.id != raft.id && addressBook[server.id] != nil { discovery.known[server.id] = server }
            if hello.isMember { discovery.clusterExists = true }
            self.discovery = discovery
        }
        if !hello.isReply, let sender = addressBook[hello.server.id] {
            var reply = self.hello
            reply.isReply = true
            output.frames.append((.hello(reply), sender))
        }
        if raft.role == .leader, joining {
            return (.operation(.configuration(.addNonvoter(hello.server)), token: nil), output)
        }
        return (nil, output)
    }

    /// Makes `server` addressable unless it is a configuration member (whose address is the
    /// configuration's) or the bound on introduced servers is reached; an address already known
    /// changes only if `replacing`.
    private mutating func introduce(_ server: Server, replacing: Bool) {
        guard !raft.configuration.contains(server.id) else { return }
        if addressBook[server.id] != nil {
            if replacing { addressBook[server.id] = server }
            return
        }
        let introduced = addressBook.keys.filter { !raft.configuration.contains($0) }.count
        guard introduced < CoreLimits.introducedServers else { return }
        addressBook[server.id] = server
    }

    /// One tick of discovery: introduce this server around, and bootstrap when it is time.
    mutating func tickDiscovery() -> CoreOutput {
        var output = CoreOutput()
        guard let discovery else { return output }
        guard raft.configuration.isEmpty else {
            self.discovery = nil
            return output
        }
        var addresses = Set(discovery.join)
        for server in discovery.known.values { addresses.insert(server.raftAddress) }
        addresses.remove(membership.server.raftAddress)
        let introduction = PeerFrame.hello(hello)
        for address in addresses.sorted() {
            output.frames.append((introduction, Server(id: 0, name: "", raftAddress: address, httpAddress: "", isVoter: false)))
        }
        guard !discovery.clusterExists, raft.lastIndex == 0, discovery.expect > 1, discovery.founders.count + 1 >= discovery.expect
        else { return output }
        var servers = Array(discovery.founders.values)
        servers.append(membership.server)
        output.bootstrap = Configuration(
            servers.map { server in
                var voter = server
                voter.isVoter = true
                return voter
            })
        return output
    }

    /// Starts a new cluster from `configuration` once the shell has persisted the bootstrap entry
    /// every founder writes (``Raft/bootstrap(_:)``).
    public mutating func bootstrapped(_ configuration: Configuration) {
        let (hardState, entries) = Raft.bootstrap(configuration)
        raft = Raft(options: raftOptions, hardState: hardState, snapshot: nil, entries: entries)
        durableVote = (hardState.term, hardState.vote)
        for server in configuration.servers { addressBook[server.id] = server }
        discovery = nil
    }
}
