extension Raft {
    mutating func stepLeader(_ message: Message) {
        switch message.kind {
        case .appendResponse:
            handleAppendResponse(message)
        case .heartbeatResponse:
            handleHeartbeatResponse(message)
        case .snapshotResponse:
            handleSnapshotResponse(message)
        case .readIndex:
            handleReadRequest(from: message.from, requestID: message.context)
        default:
            break
        }
    }

    private mutating func handleAppendResponse(_ message: Message) {
        guard var follower = progress[message.from] else { return }
        follower.recentActive = true
        if message.reject {
            let hint = message.logTerm > 0 ? log.conflictHint(index: message.rejectHint, term: message.logTerm).index : message.rejectHint
            if follower.backOff(rejected: message.index, hint: hint) {
                if follower.state == .replicate { follower.becomeProbe() }
                progress[message.from] = follower
                sendAppend(to: message.from)
            } else {
                progress[message.from] = follower
            }
            return
        }
        let wasPaused = follower.isPaused
        let transferring = transferee
        if follower.acknowledge(message.index) {
            switch follower.state {
            case .probe:
                follower.becomeReplicate()
            case .snapshot:
                if follower.match >= follower.snapshotIndex || follower.match + 1 >= log.firstIndex {
                    follower.becomeProbe()
                    follower.becomeReplicate()
                }
            case .replicate:
                follower.inflights.free(through: message.index)
            }
            progress[message.from] = follower
            if maybeCommit() {
                broadcastAppend()
            } else if wasPaused {
                sendAppend(to: message.from)
            }
            while sendAppend(to: message.from, evenIfEmpty: false) {}
            // A transfer that started while handling this answer has sent TimeoutNow already.
            if message.from == transferring, message.from == transferee, progress[message.from]!.match == log.lastIndex {
                send(Message(kind: .timeoutNow, from: id, to: message.from, term: term))
            }
        } else {
            progress[message.from] = follower
        }
    }

    private mutating func handleHeartbeatResponse(_ message: Message) {
        guard var follower = progress[message.from] else { return }
        follower.recentActive = true
        follower.probeSent = false
        if follower.state == .replicate, follower.inflights.isFull { follower.inflights.freeFirst() }
        if follower.state == .snapshot {
            follower.snapshotStalledBeats += 1
            if follower.snapshotStalledBeats >= 2 {
                // Chunks were lost: resume from where the follower says it is.
                follower.snapshotOffset = message.rejectHint == follower.snapshotIndex ? message.index : 0
                follower.snapshotAcknowledged = follower.snapshotOffset
                follower.snapshotChunksInFlight = 0
                follower.snapshotStalledBeats = 0
            }
        }
        progress[message.from] = follower
        if follower.state == .snapshot {
            sendSnapshotChunks(to: message.from)
        } else if follower.match < log.lastIndex {
            sendAppend(to: message.from)
        }
        if message.context != 0 {
            let voters = Set(configuration.voters)
            for request in reads.acknowledge(message.context, from: message.from, quorum: configuration.quorum, voters: voters) {
                answerRead(from: request.from, requestID: request.requestID, index: request.index)
            }
        }
    }

    private mutating func handleSnapshotResponse(_ message: Message) {
        guard var follower = progress[message.from], follower.state == .snapshot else { return }
        follower.recentActive = true
        // An answer tells how much the follower holds; the window is counted from that, so a
        // duplicated answer does not widen it. A refusal (a chunk arrived out of order) resends
        // from the follower's offset once: the refusals of chunks already in flight must not
        // each resend the window again.
        let holds = min(message.index, follower.snapshotOffset)
        if holds > follower.snapshotAcknowledged {
            follower.snapshotAcknowledged = holds
            follower.snapshotStalledBeats = 0
        }
        if message.reject, follower.snapshotResentFrom != message.index {
            follower.snapshotOffset = message.index
            follower.snapshotAcknowledged = message.index
            follower.snapshotResentFrom = message.index
        }
        let chunk = UInt64(max(1, options.snapshotChunkBytes))
        follower.snapshotChunksInFlight = Int((follower.snapshotOffset - follower.snapshotAcknowledged + chunk - 1) / chunk)
        progress[message.from] = follower
        sendSnapshotChunks(to: message.from)
    }

    /// Commits the highest index a quorum of voters holds — but only an entry of this leader's
    /// own term: older entries commit with it (paper §5.4.2, Figure 8).
    mutating func maybeCommit() -> Bool {
        let voters = configuration.voters
        guard !voters.isEmpty else { return false }
        let matches = voters.map { $0 == id ? log.persisted : (progress[$0]?.match ?? 0) }.sorted(by: >)
        let candidate = matches[configuration.quorum - 1]
        guard candidate > log.committed, log.term(at: candidate) == term || options.has(.commitOldTerm) else { return false }
        log.commit(to: candidate)
        applyCommittedConfigurations()
        if !readsAwaitingCommit.isEmpty {
            let waiting = readsAwaitingCommit
            readsAwaitingCommit = []
            for request in waiting { handleReadRequest(from: request.from, requestID: request.requestID) }
        }
        return true
    }

    mutating func broadcastAppend() {
        for peer in progress.keys.sorted() { sendAppend(to: peer) }
    }

    mutating func broadcastHeartbeat() {
        let context = reads.pending.isEmpty ? 0 : reads.lastSequence
        for peer in progress.keys.sorted() {
            let commit = min(progress[peer]!.match, log.committed)
            send(Message(kind: .heartbeat, from: id, to: peer, term: term, commit: commit, context: context))
        }
    }

    /// Sends `peer` the entries it needs, or the snapshot when they are compacted away; returns
    /// whether it sent anything.
    @discardableResult
    mutating func sendAppend(to peer: NodeID, evenIfEmpty: Bool = true) -> Bool {
        guard var follower = progress[peer], !follower.isPaused else { return false }
        let previous = follower.next - 1
        guard let previousTerm = log.term(at: previous) else {
            startSnapshot(to: peer)
            return true
        }
        let entries = log.entries(from: follower.next, maxCount: options.maxEntriesPerMessage, maxBytes: options.maxBytesPerMessage)
        if entries.isEmpty, !evenIfEmpty { return false }
        send(
            Message(
                kind: .append, from: id, to: peer, term: term, logTerm: previousTerm, index: previous, entries: entries,
                commit: log.committed))
        follower.sent(last: entries.last?.index ?? previous, count: entries.count, bytes: entries.reduce(0) { $0 + $1.data.count })
        progress[peer] = follower
        return !entries.isEmpty
    }

    private mutating func startSnapshot(to peer: NodeID) {
        guard let snapshot else { return }
        progress[peer]!.becomeSnapshot(index: snapshot.metadata.index)
        sendSnapshotChunks(to: peer)
    }

    /// Sends the next chunks of the snapshot, up to the window of chunks in flight.
    mutating func sendSnapshotChunks(to peer: NodeID) {
        guard var follower = progress[peer], follower.state == .snapshot, let snapshot else { return }
        if follower.snapshotIndex != snapshot.metadata.index {
            follower.becomeSnapshot(index: snapshot.metadata.index)
        }
        let total = UInt64(snapshot.data.count)
        repeat {
            guard follower.snapshotChunksInFlight < options.maxSnapshotChunksInFlight,
                follower.snapshotOffset < total
                    || (total == 0 && follower.snapshotChunksInFlight == 0 && follower.snapshotOffset == 0)
            else { break }
            let start = Int(follower.snapshotOffset)
            let end = min(snapshot.data.count, start + options.snapshotChunkBytes)
            let chunk = SnapshotChunk(
                metadata: snapshot.metadata, totalSize: total, offset: follower.snapshotOffset, data: Array(snapshot.data[start..<end]))
            send(Message(kind: .snapshot, from: id, to: peer, term: term, snapshot: chunk))
            follower.snapshotOffset = UInt64(end)
            follower.snapshotChunksInFlight += 1
        } while follower.snapshotOffset < total
        progress[peer] = follower
    }

    // MARK: ReadIndex

    mutating func handleReadRequest(from requester: NodeID, requestID: UInt64) {
        guard log.term(at: log.committed) == term else {
            // The commit index is only known to be current once this term has committed an entry.
            readsAwaitingCommit.append((requester, requestID))
            return
        }
        if configuration.voters == [id] || options.has(.readWithoutQuorum) {
            answerRead(from: requester, requestID: requestID, index: log.committed)
            return
        }
        _ = reads.add(from: requester, requestID: requestID, index: log.committed, leader: id)
        broadcastHeartbeat()
    }

    private mutating func answerRead(from requester: NodeID, requestID: UInt64, index: UInt64) {
        if requester == id {
            readStates.append(ReadState(requestID: requestID, index: index))
        } else {
            send(Message(kind: .readIndexResponse, from: id, to: requester, term: term, index: index, context: requestID))
        }
    }
}
