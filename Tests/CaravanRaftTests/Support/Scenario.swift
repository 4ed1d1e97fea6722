import Foundation

@testable import CaravanRaft

/// A datadriven test file in etcd's format: cases of a command line, `----`, and the expected
/// output up to a blank line. Lines starting with `#` and blank lines between cases are kept
/// as they are when the file is rewritten with the actual output.
struct ScenarioFile {
    /// One command and what it should print.
    struct Case {
        /// Comment and blank lines before the command.
        var preamble: [String]
        var command: String
        /// The command's 1-based line number in the file.
        var line: Int
        var expected: [String]
    }

    var cases: [Case] = []
    /// Comment and blank lines after the last case.
    var trailer: [String] = []

    init(text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var position = 0
        var preamble: [String] = []
        while position < lines.count {
            let line = lines[position]
            position += 1
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") {
                preamble.append(line)
                continue
            }
            let number = position
            var expected: [String] = []
            if position < lines.count, lines[position] == "----" {
                position += 1
                while position < lines.count, !lines[position].isEmpty {
                    expected.append(lines[position])
                    position += 1
                }
                position += 1
            }
            cases.append(Case(preamble: preamble, command: line, line: number, expected: expected))
            preamble = []
        }
        trailer = preamble
    }

    /// The file with each case's output replaced by `outputs`.
    func rendered(outputs: [[String]]) -> String {
        var lines: [String] = []
        for (testCase, output) in zip(cases, outputs) {
            lines += testCase.preamble + [testCase.command, "----"] + output + [""]
        }
        lines += trailer
        return lines.joined(separator: "\n")
    }
}

/// A parsed command line: a name, positional arguments and `key=value` options, where a
/// value may be a parenthesised list (`voters=(1,2,3)`).
struct ScenarioCommand {
    var name: String
    var arguments: [String] = []
    var options: [String: String] = [:]

    init(_ line: String) {
        var tokens: [String] = []
        var current = ""
        var depth = 0
        for character in line {
            if character == " ", depth == 0 {
                if !current.isEmpty { tokens.append(current) }
                current = ""
                continue
            }
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            current.append(character)
        }
        if !current.isEmpty { tokens.append(current) }
        name = tokens.first ?? ""
        for token in tokens.dropFirst() {
            if let equals = token.firstIndex(of: "=") {
                options[String(token[..<equals])] = String(token[token.index(after: equals)...])
            } else {
                arguments.append(token)
            }
        }
    }

    /// The positional arguments as server IDs.
    var ids: [NodeID] { arguments.compactMap { NodeID($0) } }

    func int(_ key: String) -> Int? { options[key].flatMap { Int($0) } }

    func id(_ key: String) -> NodeID? { options[key].flatMap { NodeID($0) } }

    func bool(_ key: String) -> Bool? { options[key].map { $0 == "true" } }

    /// A `(1,2,3)` list option; empty when absent.
    func list(_ key: String) -> [UInt64] {
        guard let value = options[key] else { return [] }
        return value.trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",").compactMap { UInt64($0) }
    }
}

/// Why a scenario command could not run.
struct ScenarioError: Error, CustomStringConvertible {
    var description: String
}

/// Runs scenario commands against a ``RaftNetwork`` and returns what each printed.
///
/// Commands: `add-nodes N [voters=(..)] [nonvoters=(..)] [prevote=] [checkquorum=] [election=]
/// [heartbeat=] [inflight=] [max-entries=] [chunk-bytes=] [chunks-in-flight=] [promote=]`,
/// `campaign ID`, `propose ID DATA...`, `process-ready ID...`, `deliver-msgs ID... [drop=(n,..)]`,
/// `drop-msgs ID...`, `stabilize [ID...]`, `tick [ID...] [n=]`, `partition A.. | B..`, `heal`,
/// `compact ID index=`, `transfer-leadership ID to=`, `add-nonvoter ID id=`, `promote ID id=`,
/// `remove ID id=`, `read-index ID ctx=`, `restart ID`, `status [ID...]`, `raft-log ID`,
/// `applied ID`.
struct ScenarioRunner {
    var network = RaftNetwork(voters: [])

    mutating func run(_ line: String) throws(ScenarioError) -> [String] {
        let command = ScenarioCommand(line)
        network.output = []
        try execute(command)
        var output = network.output
        output += network.violations.map { "VIOLATION: \($0)" }
        return output.isEmpty ? ["ok"] : output
    }

    private mutating func execute(_ command: ScenarioCommand) throws(ScenarioError) {
        let ids = command.ids
        switch command.name {
        case "add-nodes":
            addNodes(command)
        case "campaign":
            for id in try known(ids) { network.campaign(id) }
        case "propose":
            let id = try known(ids.prefix(1)).first!
            let data = command.arguments.dropFirst().map { Array($0.utf8) }
            report(id) { (raft: inout Raft) throws(ProposalError) in "proposed at index \(try raft.propose(data))" }
        case "process-ready":
            for id in try known(ids) { network.processReady(id) }
        case "deliver-msgs":
            let dropping = Set(command.list("drop").map(Int.init))
            for id in try known(ids) { network.deliver(to: id, dropping: dropping) }
        case "drop-msgs":
            for id in try known(ids) {
                for message in network.messages(to: id) { network.output.append(Describe.message(message) + " (dropped)") }
                network.dropInFlight(to: id)
            }
        case "stabilize":
            stabilize(ids.isEmpty ? network.ids : try known(ids))
        case "tick":
            for id in ids.isEmpty ? network.ids : try known(ids) { network.tick(id, times: command.int("n") ?? 1) }
        case "partition":
            network.partition = command.arguments.split(separator: "|").map { Set($0.compactMap { NodeID($0) }) }
        case "heal":
            network.partition = []
        case "compact":
            let id = try known(ids).first!
            guard let index = command.int("index") else { throw ScenarioError(description: "compact needs index=") }
            network.compact(id, index: UInt64(index))
            network.output.append("\(id): snapshot at \(index), log from \(network[id].firstIndex)")
        case "transfer-leadership":
            let id = try known(ids).first!
            guard let target = command.id("to") else { throw ScenarioError(description: "transfer-leadership needs to=") }
            report(id) { (raft: inout Raft) throws(ProposalError) in
                try raft.transferLeadership(to: target)
                return nil
            }
        case "add-nonvoter", "promote", "remove":
            let id = try known(ids).first!
            guard let peer = command.id("id") else { throw ScenarioError(description: "\(command.name) needs id=") }
            let change: ConfigurationChange =
                switch command.name {
                case "add-nonvoter": .addNonvoter(RaftNetwork.server(peer, voter: false))
                case "promote": .promote(peer)
                default: .remove(peer)
                }
            report(id) { (raft: inout Raft) throws(ProposalError) in "proposed at index \(try raft.proposeConfigurationChange(change))" }
        case "read-index":
            let id = try known(ids).first!
            guard let context = command.int("ctx") else { throw ScenarioError(description: "read-index needs ctx=") }
            report(id) { (raft: inout Raft) throws(ProposalError) in
                try raft.requestRead(UInt64(context))
                return nil
            }
        case "restart":
            for id in try known(ids) { network.restart(id) }
        case "status":
            for id in ids.isEmpty ? network.ids : try known(ids) { network.output += status(id) }
        case "raft-log":
            for id in try known(ids) { network.output += raftLog(id) }
        case "applied":
            for id in try known(ids) {
                let applied = network.nodes[id]!.applied
                network.output += applied.isEmpty ? ["\(id): nothing applied"] : applied.map { "\(id): \($0)" }
            }
        default:
            throw ScenarioError(description: "unknown command \(command.name)")
        }
    }

    private func known<S: Sequence<NodeID>>(_ ids: S) throws(ScenarioError) -> [NodeID] {
        let ids = Array(ids)
        guard !ids.isEmpty else { throw ScenarioError(description: "no server given") }
        for id in ids where network.nodes[id] == nil { throw ScenarioError(description: "no server \(id)") }
        return ids
    }

    /// Runs an API call on a server and prints its result or why it was refused.
    private mutating func report(_ id: NodeID, _ body: (inout Raft) throws(ProposalError) -> String?) {
        do {
            if let result = try network.withNode(id, body) { network.output.append(result) }
        } catch {
            switch error {
            case .notLeader(let leader): network.output.append("refused: not the leader (leader \(leader))")
            case .transferring: network.output.append("refused: a leadership transfer is under way")
            case .configuration(let reason): network.output.append("refused: \(reason)")
            }
        }
    }

    private mutating func addNodes(_ command: ScenarioCommand) {
        let count = command.arguments.first.flatMap { Int($0) } ?? 1
        let first = (network.ids.last ?? 0) + 1
        let voters = command.list("voters")
        let nonvoters = command.list("nonvoters")
        let configuration = RaftNetwork.configuration(voters: voters, nonvoters: nonvoters)
        let configure = { (options: inout RaftOptions) in
            if let value = command.bool("prevote") { options.preVote = value }
            if let value = command.bool("checkquorum") { options.checkQuorum = value }
            if let value = command.int("election") { options.electionTicks = value }
            if let value = command.int("heartbeat") { options.heartbeatTicks = value }
            if let value = command.int("inflight") { options.maxInflightMessages = value }
            if let value = command.int("max-entries") { options.maxEntriesPerMessage = value }
            if let value = command.int("chunk-bytes") { options.snapshotChunkBytes = value }
            if let value = command.int("chunks-in-flight") { options.maxSnapshotChunksInFlight = value }
            if let value = command.bool("promote") { options.promoteCaughtUpNonvoters = value }
        }
        for id in first..<first + UInt64(count) {
            let member = voters.contains(id) || nonvoters.contains(id)
            network.addNode(id, bootstrap: member ? configuration : nil, configure: configure)
            network.output += status(id)
        }
    }

    private mutating func stabilize(_ ids: [NodeID]) {
        for _ in 0..<10_000 {
            var busy = false
            for id in ids where network.processReady(id) { busy = true }
            for id in Set(network.inFlight.map(\.to)).sorted() where ids.contains(id) {
                network.deliver(to: id)
                busy = true
            }
            if !busy { return }
        }
        network.violations.append("the cluster did not settle")
    }

    private func status(_ id: NodeID) -> [String] {
        let raft = network[id]
        var lines = [
            "\(id): \(Describe.role(raft.role)) term=\(raft.term) vote=\(raft.vote) leader=\(raft.leader) commit=\(raft.commitIndex)"
                + " applied=\(network.nodes[id]!.appliedIndex) log=\(raft.firstIndex)..\(raft.lastIndex) \(Describe.configuration(raft.configuration))"
        ]
        for peer in raft.progress.keys.sorted() {
            let progress = raft.progress[peer]!
            var line = "  \(id)->\(peer) match=\(progress.match) next=\(progress.next) \(progress.state)"
            if progress.state == .replicate { line += " inflight=\(progress.inflights.count)" }
            if progress.state == .probe, progress.probeSent { line += " paused" }
            if progress.state == .snapshot { line += " snapshot=\(progress.snapshotIndex) offset=\(progress.snapshotOffset)" }
            lines.append(line)
        }
        return lines
    }

    private func raftLog(_ id: NodeID) -> [String] {
        let raft = network[id]
        var lines: [String] = []
        if raft.firstIndex > 1 { lines.append("\(id): compacted through \(raft.firstIndex - 1)") }
        for entry in raft.entries() { lines.append("\(id): " + Describe.entry(entry)) }
        return lines.isEmpty ? ["\(id): empty log"] : lines
    }
}
