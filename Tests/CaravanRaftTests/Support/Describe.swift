@testable import CaravanRaft

/// One-line renderings of raft values for scenario output and test failure messages. Positions
/// are written `term/index`, as etcd's interaction tests do.
enum Describe {
    static func configuration(_ configuration: Configuration) -> String {
        let voters = configuration.servers.filter(\.isVoter).map { String($0.id) }
        let nonvoters = configuration.servers.filter { !$0.isVoter }.map { String($0.id) }
        var text = "voters=(\(voters.joined(separator: ",")))"
        if !nonvoters.isEmpty { text += " nonvoters=(\(nonvoters.joined(separator: ",")))" }
        return text
    }

    static func entry(_ entry: LogEntry) -> String {
        let position = "\(entry.term)/\(entry.index)"
        switch entry.kind {
        case .noop:
            return "\(position) noop"
        case .command:
            return "\(position) command \"\(String(decoding: entry.data, as: UTF8.self))\""
        case .configuration:
            guard let decoded = try? Configuration(decoding: entry.data) else { return "\(position) configuration <undecodable>" }
            return "\(position) configuration \(configuration(decoded))"
        }
    }

    static func entries(_ entries: [LogEntry]) -> String {
        "[" + entries.map(entry).joined(separator: ", ") + "]"
    }

    static func role(_ role: Role) -> String {
        switch role {
        case .follower: "follower"
        case .preCandidate: "pre-candidate"
        case .candidate: "candidate"
        case .leader: "leader"
        }
    }

    static func snapshot(_ metadata: RaftSnapshotMetadata) -> String {
        "\(metadata.term)/\(metadata.index) \(configuration(metadata.configuration))"
    }

    static func message(_ message: Message) -> String {
        var text = "\(message.from)->\(message.to) "
        switch message.kind {
        case .preVote, .vote:
            text += "\(message.kind == .vote ? "vote" : "prevote") term=\(message.term) log=\(message.logTerm)/\(message.index)"
            if message.context == 1 { text += " transfer" }
        case .preVoteResponse, .voteResponse:
            text += "\(message.kind == .voteResponse ? "vote" : "prevote")-response term=\(message.term)"
            text += message.reject ? " rejected" : " granted"
        case .append:
            text += "append term=\(message.term) log=\(message.logTerm)/\(message.index) commit=\(message.commit)"
            if !message.entries.isEmpty { text += " entries=\(entries(message.entries))" }
        case .appendResponse:
            text += "append-response term=\(message.term)"
            if message.reject {
                text += " rejected index=\(message.index) hint=\(message.logTerm)/\(message.rejectHint)"
            } else {
                text += " index=\(message.index)"
            }
        case .heartbeat:
            text += "heartbeat term=\(message.term) commit=\(message.commit)"
            if message.context != 0 { text += " read-seq=\(message.context)" }
        case .heartbeatResponse:
            text += "heartbeat-response term=\(message.term)"
            if message.context != 0 { text += " read-seq=\(message.context)" }
            if message.rejectHint != 0 { text += " receiving-snapshot=\(message.rejectHint) received=\(message.index)" }
        case .snapshot:
            text += "snapshot term=\(message.term)"
            if let chunk = message.snapshot {
                text += " snap=\(chunk.metadata.term)/\(chunk.metadata.index) offset=\(chunk.offset) bytes=\(chunk.data.count)"
                text += " total=\(chunk.totalSize)"
            }
        case .snapshotResponse:
            text += "snapshot-response term=\(message.term) offset=\(message.index)"
            if message.reject { text += " rejected" }
        case .timeoutNow:
            text += "timeout-now term=\(message.term)"
        case .readIndex:
            text += "read-index term=\(message.term) ctx=\(message.context)"
        case .readIndexResponse:
            text += "read-index-response term=\(message.term) index=\(message.index) ctx=\(message.context)"
        }
        return text
    }
}
