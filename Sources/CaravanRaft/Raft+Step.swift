extension Raft {
    /// Handles a message from another server.
    public mutating func step(_ message: Message) {
        guard message.to == id, message.from != id else { return }
        if message.term > term {
            if message.kind == .vote || message.kind == .preVote {
                let transfer = message.context == 1
                let inLease = options.checkQuorum && leader != 0 && electionElapsed < options.electionTicks
                if inLease, !transfer { return }
            }
            switch message.kind {
            case .preVote:
                break
            case .preVoteResponse where !message.reject:
                break
            case .append, .heartbeat, .snapshot:
                becomeFollower(term: message.term, leader: message.from)
            default:
                becomeFollower(term: message.term, leader: 0)
            }
        } else if message.term < term {
            switch message.kind {
            case .append, .heartbeat:
                // Tell a stale leader about the new term so it steps down (with CheckQuorum or
                // PreVote a partitioned server does not raise its term to find out).
                send(Message(kind: .appendResponse, from: id, to: message.from, term: term))
            case .preVote:
                send(Message(kind: .preVoteResponse, from: id, to: message.from, term: term, reject: true))
            default:
                break
            }
            return
        }

        switch message.kind {
        case .vote, .preVote:
            handleVoteRequest(message)
        default:
            switch role {
            case .leader: stepLeader(message)
            case .candidate, .preCandidate: stepCandidate(message)
            case .follower: stepFollower(message)
            }
        }
    }

    private mutating func stepCandidate(_ message: Message) {
        switch message.kind {
        case .append:
            becomeFollower(term: message.term, leader: message.from)
            handleAppend(message)
        case .heartbeat:
            becomeFollower(term: message.term, leader: message.from)
            handleHeartbeat(message)
        case .snapshot:
            becomeFollower(term: message.term, leader: message.from)
            handleSnapshotChunk(message)
        case .voteResponse, .preVoteResponse:
            handleVoteResponse(message)
        default:
            break
        }
    }

    private mutating func stepFollower(_ message: Message) {
        switch message.kind {
        case .append:
            electionElapsed = 0
            leader = message.from
            handleAppend(message)
        case .heartbeat:
            electionElapsed = 0
            leader = message.from
            handleHeartbeat(message)
        case .snapshot:
            electionElapsed = 0
            leader = message.from
            handleSnapshotChunk(message)
        case .timeoutNow:
            if isPromotable { campaign(.transfer) }
        case .readIndexResponse:
            readStates.append(ReadState(requestID: message.context, index: message.index))
        default:
            break
        }
    }

    // MARK: Follower

    private mutating func handleAppend(_ message: Message) {
        if message.index < log.committed {
            send(Message(kind: .appendResponse, from: id, to: message.from, term: term, index: log.committed))
            return
        }
        if let last = log.appendFromLeader(
            index: message.index, term: message.logTerm, commit: message.commit, entries: message.entries)
        {
            applyCommittedConfigurations()
            send(Message(kind: .appendResponse, from: id, to: message.from, term: term, index: last))
        } else {
            let hint = log.conflictHint(index: min(message.index, log.lastIndex), term: message.logTerm)
            send(
                Message(
                    kind: .appendResponse, from: id, to: message.from, term: term, logTerm: hint.term, index: message.index,
                    reject: true, rejectHint: hint.index))
        }
    }

    private mutating func handleHeartbeat(_ message: Message) {
        // A leader sends `min(match, commit)` (`broadcastHeartbeat`), never past what this log
        // acknowledged; a larger commit comes from a faulty or forged frame, and a peer must not
        // be able to trap this server, so the log's end bounds it here.
        log.commit(to: min(message.commit, log.lastIndex))
        applyCommittedConfigurations()
        var response = Message(kind: .heartbeatResponse, from: id, to: message.from, term: term, context: message.context)
        if let incoming = incomingSnapshot {
            response.index = UInt64(incoming.data.count)
            response.rejectHint = incoming.metadata.index
        }
        send(response)
    }

    /// Takes one InstallSnapshot chunk. Chunks must arrive in order; on a gap the follower asks
    /// for the offset it has reached, so a broken transfer resumes rather than restarts.
    private mutating func handleSnapshotChunk(_ message: Message) {
        guard let chunk = message.snapshot else { return }
        let metadata = chunk.metadata
        if metadata.index <= log.committed {
            incomingSnapshot = nil
            send(Message(kind: .appendResponse, from: id, to: message.from, term: term, index: log.committed))
            return
        }
        if chunk.offset == 0, incomingSnapshot?.metadata != metadata {
            incomingSnapshot = (metadata, chunk.totalSize, [])
        }
        guard var incoming = incomingSnapshot, incoming.metadata == metadata, chunk.offset == UInt64(incoming.data.count)
        else {
            let have = incomingSnapshot?.metadata == metadata ? UInt64(incomingSnapshot!.data.count) : 0
            send(Message(kind: .snapshotResponse, from: id, to: message.from, term: term, index: have, reject: true))
            return
        }
        incomingSnapshot = nil
        incoming.data.append(contentsOf: chunk.data)
        guard UInt64(incoming.data.count) >= incoming.totalSize else {
            incomingSnapshot = incoming
            send(Message(kind: .snapshotResponse, from: id, to: message.from, term: term, index: UInt64(incoming.data.count)))
            return
        }
        log.restore(metadata)
        configuration = metadata.configuration
        configurationApplied = metadata.index
        applyCommittedConfigurations()
        let installed = RaftSnapshot(metadata: metadata, data: incoming.data)
        snapshot = installed
        snapshotToInstall = installed
        // Vouch only for the snapshot's index: entries kept after it (rule 6) may be an older
        // leader's and differ from this leader's.
        send(Message(kind: .appendResponse, from: id, to: message.from, term: term, index: metadata.index))
    }
}
