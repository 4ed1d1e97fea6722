import CaravanModel
public import CaravanState

/// The properties every log must keep, whatever commands it holds: applying never traps, every
/// state re-encodes and decodes to the same hash, equal logs give equal states (a replica that
/// restored a snapshot half-way and applied the rest agrees with one that applied everything, on
/// every entry's outcome and on the final state), and every object in the state renders as the
/// API would render it.
///
/// A trap fails loudly by itself: the property test's process, or the fuzzer, stops on it. The
/// other properties are reported as a description of the first one that fails.
public enum ApplyProperties {
    /// Applies `commands` as log entries 1, 2, … (through the entry codec, as a replica does),
    /// with a replica restoring a snapshot after `restoreAfter` of them.
    /// - Returns: What went wrong, or `nil` if every property held.
    public static func violation(of commands: [Command], restoreAfter: Int) -> String? {
        let restoreAfter = min(max(restoreAfter, 0), commands.count)
        var full = StateMachine()
        var outcomes: [String] = []
        for (position, command) in commands.enumerated() {
            let bytes = command.encoded()
            guard (try? Command(decoding: bytes)) != nil else { return "entry \(position + 1) does not decode: \(command)" }
            outcomes.append(describe(full.apply(index: UInt64(position + 1), data: bytes).result))
            if full.halt != nil { return "entry \(position + 1) halted the state machine" }
        }
        if let problem = reencodingProblem(full.state) { return "final state: \(problem)" }
        render(full.state)

        var replica = StateMachine()
        for (position, command) in commands.prefix(restoreAfter).enumerated() {
            _ = replica.apply(index: UInt64(position + 1), data: command.encoded())
        }
        guard let restored = try? StateVersion(decoding: replica.state.encoded()) else {
            return "the state after \(restoreAfter) entries does not decode"
        }
        if let problem = reencodingProblem(replica.state) { return "state after \(restoreAfter) entries: \(problem)" }
        render(restored)
        var resumed = StateMachine(state: restored)
        for position in restoreAfter..<commands.count {
            let outcome = describe(resumed.apply(index: UInt64(position + 1), data: commands[position].encoded()).result)
            guard outcome == outcomes[position] else {
                return "entry \(position + 1): applied \(outcomes[position]) in full, \(outcome) after a restore at \(restoreAfter)"
            }
        }
        guard resumed.state.stateHash == full.state.stateHash else {
            return "a replica restored at \(restoreAfter) ends with another state than one that applied every entry"
        }
        return nil
    }

    /// Why `state` does not survive its own encoding, if it does not.
    static func reencodingProblem(_ state: StateVersion) -> String? {
        let encoding = state.encoded()
        guard let decoded = try? StateVersion(decoding: encoding) else { return "its encoding does not decode" }
        guard decoded.encoded() == encoding else { return "it decodes to a state that encodes differently" }
        return nil
    }

    /// Renders every object as the API's responses do (a trap here is a read that would crash
    /// the server on every request).
    static func render(_ state: StateVersion) {
        for job in state.jobs(namespace: nil) {
            let summary = state.jobSummary(namespace: job.namespace, id: job.id)
            _ = JSONWriter.encode(job)
            _ = JSONWriter.encode(JobListStub(job, summary: summary))
            _ = JSONWriter.encode(JobWithPluginView(job, plugin: job.pluginIDs.first.flatMap { state.pluginSummary(id: $0) }))
        }
        for node in state.nodes() {
            _ = (JSONWriter.encode(node), JSONWriter.encode(NodeListStub(node)))
        }
        for id in state.pluginIDs() {
            guard let plugin = state.plugin(id: id), let summary = state.pluginSummary(id: id) else { continue }
            _ = JSONWriter.encode(plugin)
            _ = (JSONWriter.encode(CSIPluginListStub(summary)), JSONWriter.encode(PluginListView(summary)))
            for namespace in Set(summary.jobIDs.keys).union(["default"]) {
                _ = JSONWriter.encode(PluginDetailView(plugin, namespace: namespace, jobs: state.jobsRunningPlugin(id: id, namespace: namespace)))
            }
        }
        for token in state.aclTokens() { _ = (JSONWriter.encode(token), JSONWriter.encode(ACLTokenListStub(token))) }
        for policy in state.aclPolicies() { _ = (JSONWriter.encode(policy), JSONWriter.encode(ACLPolicyListStub(policy))) }
        for namespace in state.namespaces() { _ = JSONWriter.encode(namespace).count }
    }

    private static func describe(_ result: Result<CommandOutcome, StateError>) -> String {
        switch result {
        case .success(let outcome): "\(outcome)"
        case .failure(let error): "refused: \(error)"
        }
    }
}
