import CaravanAdmission
public import CaravanRaft
import CaravanState

/// The core's inputs: batches from the processing loop, frames from peers, requests to the
/// leader.
extension ServerCore {
    /// Steps a batch of inputs into the raft core, proposing every write in it as one batch.
    public mutating func handle(_ inputs: [CoreInput]) -> CoreOutput {
        var output = CoreOutput()
        var commands: [[UInt8]] = []
        var origins: [(token: UInt64?, forward: (from: NodeID, requestID: UInt64)?)] = []
        for input in inputs {
            switch input {
            case .message(let message):
                raft.step(message)
            case .tick:
                raft.tick()
                output.append(tickDiscovery())
            case .propose(let data, let token):
                commands.append(data)
                origins.append((token, nil))
            case .forwarded(let from, let requestID, .command(let data)):
                commands.append(data)
                origins.append((nil, (from, requestID)))
            case .forwarded(let from, let requestID, let operation):
                let result = carryOut(operation)
                if let peer = addressBook[from] { output.frames.append((.forwardResult(requestID: requestID, from: raft.id, result: result), peer)) }
            case .operation(let operation, let token):
                let result = carryOut(operation)
                if let token { output.operations.append((token, result)) }
            case .read(let requestID):
                do {
                    try raft.requestRead(requestID)
                } catch {
                    output.answers.append((requestID, .notLeader))
                    requests[requestID] = nil
                }
            }
        }
        if !commands.isEmpty {
            do {
                var index = try raft.propose(commands)
                for origin in origins {
                    if let token = origin.token { proposals[index] = (raft.term, token) }
                    if let forward = origin.forward { forwarded[index] = (forward.from, forward.requestID, raft.term) }
                    index += 1
                }
            } catch {
                for origin in origins {
                    if let token = origin.token { output.proposals.append((token, .failure(.noLeader))) }
                    if let forward = origin.forward, let peer = addressBook[forward.from] {
                        output.frames.append((.forwardResult(requestID: forward.requestID, from: raft.id, result: .notLeader), peer))
                    }
                }
            }
        }
        output.append(noticeLeadershipLoss())
        return output
    }

    /// Starts a membership change or transfer on this server, which should be the leader.
    mutating func carryOut(_ operation: ForwardedOperation) -> ForwardResult {
        do {
            switch operation {
            case .command:
                return .failed("commands are proposed in batches")
            case .configuration(let change):
                let index = try raft.proposeConfigurationChange(change)
                // Only once the change is accepted: a refused one (a member's ID, say) must not
                // move anyone's address.
                if case .addNonvoter(let server) = change { addressBook[server.id] = server }
                return .applied(index)
            case .transferLeadership(let target):
                try raft.transferLeadership(to: target)
                return .applied(0)
            }
        } catch {
            switch error {
            case .notLeader: return .notLeader
            case .transferring: return .failed("a leadership transfer is in progress")
            case .configuration(let reason): return .failed(reason)
            }
        }
    }

    /// When this server stops leading, the writes it proposed and has not applied get
    /// "leadership lost" (they may still commit under the next leader, or not), as
    /// hashicorp/raft answers pending futures; forwarded ones are answered the same way, so that
    /// a follower does not retry a write that may yet apply.
    mutating func noticeLeadershipLoss() -> CoreOutput {
        var output = CoreOutput()
        let isLeader = raft.role == .leader
        defer { wasLeader = isLeader }
        guard wasLeader, !isLeader else { return output }
        for index in proposals.keys.sorted() { output.proposals.append((proposals[index]!.token, .failure(.leadershipLost))) }
        proposals = [:]
        for index in forwarded.keys.sorted() {
            let origin = forwarded[index]!
            if let peer = addressBook[origin.from] {
                output.frames.append((.forwardResult(requestID: origin.requestID, from: raft.id, result: .leadershipLost), peer))
            }
        }
        forwarded = [:]
        return output
    }

    // MARK: Frames from peers

    /// What a frame from a peer asks: an input for the processing loop's next batch, and what to
    /// do at once. `authenticated` says whether its connection's TLS handshake proved it a server
    /// of the cluster. The shell has already checked that the frame names the sender its
    /// connection named and not this server.
    public mutating func receive(_ frame: PeerFrame, authenticated: Bool, now: Int64) -> (input: CoreInput?, output: CoreOutput) {
        var output = CoreOutput()
        switch frame {
        case .raft(let message):
            return (.message(message), output)
        case .forward(let requestID, let from, let operation, let credentials):
            let result: ForwardResult
            if raft.role != .leader {
                result = .notLeader
            } else {
                switch admit(operation, credentials: credentials, now: now) {
                case .success(let checked):
                    return (.forwarded(from: from, requestID: requestID, operation: checked), output)
                case .failure(let refusal):
                    result = .refused(refusal)
                }
            }
            if let peer = addressBook[from] { output.frames.append((.forwardResult(requestID: requestID, from: raft.id, result: result), peer)) }
        case .forwardResult(let requestID, let from, let result):
            if requests[requestID]?.leader == from {
                requests[requestID] = nil
                output.answers.append((requestID, result))
            }
        case .hello(let hello):
            return meet(hello, authenticated: authenticated)
        }
        return (nil, output)
    }

    /// The leader's checks of an operation a follower forwarded, against its own state, as if
    /// the request behind it had reached this server's API: a command must decode (in a format
    /// this build knows), be valid and be allowed for the credentials; it is proposed re-encoded
    /// in this build's format, never as the bytes that came in. A membership change or transfer
    /// needs `operator:write`; a server to add must be named as every server names itself, and a
    /// promotion is never taken from outside (the leader promotes a server once it replicates).
    func admit(_ operation: ForwardedOperation, credentials: WriteCredentials, now: Int64) -> Result<ForwardedOperation, AdmissionError> {
        do throws(AdmissionError) {
            switch operation {
            case .command(let data):
                let command: Command
                do {
                    command = try Command(decoding: data)
                } catch {
                    throw .invalid("the leader cannot decode the command: \(error.description)")
                }
                try admission.check(command, credentials: credentials, in: machine.state, now: now)
                return .success(.command(command.encoded()))
            case .configuration(let change):
                try admission.checkOperatorWrite(credentials: credentials, in: machine.state, now: now)
                switch change {
                case .promote:
                    throw .invalid("the leader promotes a server itself, once it replicates the log")
                case .addNonvoter(let server):
                    guard server.id == Server.id(named: server.name), !server.isVoter, Self.isHostAndPort(server.raftAddress) else {
                        throw .invalid("a server to add needs the ID its name gives and a raft address HOST:PORT")
                    }
                case .remove:
                    break
                }
                return .success(operation)
            case .transferLeadership:
                try admission.checkOperatorWrite(credentials: credentials, in: machine.state, now: now)
                return .success(operation)
            }
        } catch {
            return .failure(error)
        }
    }

    /// Whether `address` is `HOST:PORT` with a port from 1 to 65535.
    static func isHostAndPort(_ address: String) -> Bool {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return false }
        return (1...65535).contains(port)
    }

    // MARK: Requests to the leader

    /// Registers a request to the leader and returns its ID and what to do: for an operation,
    /// the frame to the leader; for a read, the input for the next batch. `nil` when no leader's
    /// address is known.
    public mutating func startRequest(
        _ operation: ForwardedOperation?, credentials: WriteCredentials
    ) -> (requestID: UInt64, input: CoreInput?, output: CoreOutput)? {
        let requestID = nextRequestID
        nextRequestID += 1
        var output = CoreOutput()
        guard let operation else {
            requests[requestID] = (raft.leader, false)
            return (requestID, .read(requestID: requestID), output)
        }
        guard let leader = addressBook[raft.leader], raft.role != .leader else { return nil }
        let isWrite = if case .command = operation { true } else { false }
        requests[requestID] = (leader.id, isWrite)
        output.frames.append((.forward(requestID: requestID, from: raft.id, operation: operation, credentials: credentials), leader))
        return (requestID, nil, output)
    }

    /// Forgets a request the shell stopped waiting for.
    public mutating func abandonRequest(_ requestID: UInt64) {
        requests[requestID] = nil
    }

    /// Answers the requests sent to a leader that is no longer the leader: a write with
    /// "leadership lost" (the old leader may have committed it), anything else "not leader"
    /// (ask the new one).
    public mutating func abandonRequestsToFormerLeaders() -> CoreOutput {
        var output = CoreOutput()
        guard raft.leader != requestsLeader else { return output }
        requestsLeader = raft.leader
        for requestID in requests.keys.sorted() where requests[requestID]!.leader != raft.leader {
            let request = requests[requestID]!
            output.answers.append((requestID, request.isWrite ? .leadershipLost : .notLeader))
            requests[requestID] = nil
        }
        return output
    }
}
