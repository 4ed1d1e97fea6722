@testable import CaravanRaft

/// An entry as the test state machine applied it: its position, kind and a readable form of
/// its data. The state machine's whole state is the list of these, which is also what its
/// snapshots hold (one line per entry).
struct AppliedEntry: Hashable, CustomStringConvertible {
    var index: UInt64
    var term: UInt64
    var kind: EntryKind
    var text: String

    init(index: UInt64, term: UInt64, kind: EntryKind, text: String) {
        self.index = index
        self.term = term
        self.kind = kind
        self.text = text
    }

    init(_ entry: LogEntry) {
        let text: String
        switch entry.kind {
        case .command: text = String(decoding: entry.data, as: UTF8.self)
        case .noop: text = ""
        case .configuration: text = (try? Configuration(decoding: entry.data)).map(Describe.configuration) ?? "?"
        }
        self.init(index: entry.index, term: entry.term, kind: entry.kind, text: text)
    }

    var description: String {
        switch kind {
        case .command: "\(term)/\(index) command \"\(text)\""
        case .noop: "\(term)/\(index) noop"
        case .configuration: "\(term)/\(index) configuration \(text)"
        }
    }

    /// A state machine's snapshot bytes: one `index term kind text` line per applied entry.
    static func encode(_ entries: [AppliedEntry]) -> [UInt8] {
        Array(entries.map { "\($0.index) \($0.term) \($0.kind.rawValue) \($0.text)" }.joined(separator: "\n").utf8)
    }

    static func decode(_ bytes: [UInt8]) -> [AppliedEntry] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { line in
            let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            return AppliedEntry(
                index: UInt64(fields[0])!, term: UInt64(fields[1])!, kind: EntryKind(rawValue: UInt8(fields[2])!)!,
                text: fields.count > 3 ? String(fields[3]) : "")
        }
    }
}

/// One server of a ``RaftNetwork``: the raft core, what its runtime persisted, and its state
/// machine.
struct TestNode {
    var raft: Raft
    let options: RaftOptions
    /// The durable log, hard state and snapshot, as a runtime following ``Ready``'s contract
    /// would have written them.
    var storage = MemoryLogStorage()
    var hardState = HardState()
    var snapshot: RaftSnapshot?
    /// The state machine: every entry applied, in order (restored from snapshots).
    var applied: [AppliedEntry] = []
    var readStates: [ReadState] = []
    /// The configurations among the applied entries, by index, for snapshot metadata.
    var configurations: [(index: UInt64, configuration: Configuration)] = []

    var appliedIndex: UInt64 { applied.last?.index ?? 0 }

    /// The commands applied, in order.
    var appliedCommands: [String] { applied.filter { $0.kind == .command }.map(\.text) }
}

/// A deterministic in-memory cluster: N raft cores, each with a runtime that follows the
/// ``Ready`` contract (persist, send, apply, advance), and a network that holds messages until a
/// test delivers them, dropping those that cross a partition or match a filter. No threads, no
/// clocks: time is ``tick(_:times:)``.
///
/// Everything that happens is recorded in ``output`` in the datadriven scenario format, and
/// the five raft safety properties (plus "the durable log equals the in-memory log") are
/// checked after every step; breaches are collected in ``violations``.
struct RaftNetwork {
    var nodes: [NodeID: TestNode] = [:]
    /// Messages sent and not yet delivered, in the order they were sent.
    var inFlight: [Message] = []
    /// Groups of servers that can reach each other; servers not in any group form one more
    /// group. Empty means fully connected.
    var partition: [Set<NodeID>] = []
    /// Messages for which this returns true are lost.
    var dropFilter: ((Message) -> Bool)?
    var output: [String] = []
    var violations: [String] = []

    private var indent = ""
    private var leaderOfTerm: [UInt64: NodeID] = [:]
    /// Every entry any state machine applied, by index (State Machine Safety reference).
    private var appliedAnywhere: [UInt64: AppliedEntry] = [:]

    var ids: [NodeID] { nodes.keys.sorted() }

    static func server(_ id: NodeID, voter: Bool = true) -> Server {
        Server(id: id, name: "n\(id)", raftAddress: "", httpAddress: "", isVoter: voter)
    }

    static func configuration(voters: [NodeID], nonvoters: [NodeID] = []) -> Configuration {
        Configuration(voters.map { server($0) } + nonvoters.map { server($0, voter: false) })
    }

    /// Test defaults: election timeout 10 ticks, heartbeat 1 tick, seed = ID.
    static func options(_ id: NodeID) -> RaftOptions {
        RaftOptions(id: id, randomSeed: id)
    }

    /// A cluster whose `voters` and `nonvoters` were bootstrapped with one configuration, plus
    /// `empty` servers that start with nothing (to be added later).
    init(
        voters: [NodeID], nonvoters: [NodeID] = [], empty: [NodeID] = [],
        configure: (inout RaftOptions) -> Void = { _ in }
    ) {
        let configuration = Self.configuration(voters: voters, nonvoters: nonvoters)
        for id in voters + nonvoters { addNode(id, bootstrap: configuration, configure: configure) }
        for id in empty { addNode(id, bootstrap: nil, configure: configure) }
    }

    /// Adds a server, bootstrapped with `bootstrap` or empty.
    mutating func addNode(_ id: NodeID, bootstrap: Configuration?, configure: (inout RaftOptions) -> Void = { _ in }) {
        var options = Self.options(id)
        configure(&options)
        var node = TestNode(raft: Raft(options: options, hardState: HardState(), snapshot: nil, entries: []), options: options)
        if let bootstrap {
            let (hardState, entries) = Raft.bootstrap(bootstrap)
            try! node.storage.append(entries)
            node.hardState = hardState
            node.raft = Raft(options: options, hardState: hardState, snapshot: nil, entries: entries)
        }
        nodes[id] = node
    }

    /// Restarts a server from what it persisted; its state machine starts over from its snapshot.
    mutating func restart(_ id: NodeID) {
        var node = nodes[id]!
        let entries = (try? node.storage.entries(from: node.storage.firstIndex, to: node.storage.lastIndex)) ?? []
        node.raft = Raft(options: node.options, hardState: node.hardState, snapshot: node.snapshot, entries: entries)
        node.applied = node.snapshot.map { AppliedEntry.decode($0.data) } ?? []
        node.configurations = node.snapshot.map { [($0.metadata.index, $0.metadata.configuration)] } ?? []
        nodes[id] = node
        output.append("\(id) restarts at term \(node.raft.term) with commit \(node.raft.commitIndex)")
    }

    // MARK: Driving a node

    /// Runs `body` on a server's core and records what changed: its role or term, its
    /// configuration.
    @discardableResult
    mutating func withNode<T, E: Error>(_ id: NodeID, _ body: (inout Raft) throws(E) -> T) throws(E) -> T {
        let before = nodes[id]!.raft
        defer { noteChanges(id, from: before) }
        return try body(&nodes[id]!.raft)
    }

    mutating func tick(_ id: NodeID, times: Int = 1) {
        for _ in 0..<times { withNode(id) { $0.tick() } }
    }

    /// Ticks every server once per round and lets the cluster settle after each round.
    mutating func tickAll(_ rounds: Int) {
        for _ in 0..<rounds {
            for id in ids { tick(id) }
            stabilize()
        }
    }

    mutating func campaign(_ id: NodeID) {
        withNode(id) { $0.campaign() }
    }

    /// Makes `id` campaign and settles the cluster; it should then lead.
    mutating func elect(_ id: NodeID) {
        campaign(id)
        stabilize()
    }

    @discardableResult
    mutating func propose(_ id: NodeID, _ commands: String...) throws(ProposalError) -> UInt64 {
        try withNode(id) { (raft: inout Raft) throws(ProposalError) -> UInt64 in try raft.propose(commands.map { Array($0.utf8) }) }
    }

    @discardableResult
    mutating func change(_ id: NodeID, _ change: ConfigurationChange) throws(ProposalError) -> UInt64 {
        try withNode(id) { (raft: inout Raft) throws(ProposalError) -> UInt64 in try raft.proposeConfigurationChange(change) }
    }

    /// Takes a snapshot of `id`'s state machine at `index` (which it must have applied) and
    /// compacts its log through `compacting` (default: the snapshot's index).
    mutating func compact(_ id: NodeID, index: UInt64, compacting: UInt64? = nil) {
        var node = nodes[id]!
        guard let term = node.raft.entry(at: index)?.term, index <= node.appliedIndex else {
            violations.append("\(id) cannot snapshot at \(index)")
            return
        }
        let configuration = node.configurations.last { $0.index <= index }?.configuration ?? node.raft.configuration
        let snapshot = RaftSnapshot(
            metadata: RaftSnapshotMetadata(index: index, term: term, configuration: configuration),
            data: AppliedEntry.encode(node.applied.filter { $0.index <= index }))
        node.raft.snapshotTaken(snapshot, compactingThrough: compacting ?? index)
        node.snapshot = snapshot
        try! node.storage.compact(through: node.raft.firstIndex - 1)
        nodes[id] = node
    }

    // MARK: The Ready loop

    /// Handles one ``Ready`` of `id` as a runtime would; false when it had none.
    @discardableResult
    mutating func processReady(_ id: NodeID) -> Bool {
        guard nodes[id]!.raft.hasReady else { return false }
        let ready = nodes[id]!.raft.ready()
        output.append("> \(id) handling Ready")
        if ready.isEmpty { violations.append("\(id) has a Ready with nothing in it") }
        persist(id, ready)
        if !ready.messages.isEmpty {
            output.append("  Messages:")
            for message in ready.messages {
                output.append("  " + Describe.message(message))
                if message.from != id { violations.append("\(id) sent a message from \(message.from)") }
            }
            inFlight.append(contentsOf: ready.messages)
        }
        apply(id, ready)
        indent = "  "
        withNode(id) { $0.advance(ready) }
        indent = ""
        checkDurableLog(id)
        checkLogMatching()
        return true
    }

    private mutating func persist(_ id: NodeID, _ ready: Ready) {
        var node = nodes[id]!
        if let hardState = ready.hardState {
            output.append("  HardState term=\(hardState.term) vote=\(hardState.vote) commit=\(hardState.commit)")
        }
        if !ready.entries.isEmpty {
            output.append("  Entries:")
            for entry in ready.entries { output.append("  " + Describe.entry(entry)) }
        }
        if let snapshot = ready.snapshot {
            output.append("  Snapshot: \(Describe.snapshot(snapshot.metadata)) size=\(snapshot.data.count)")
        }
        do {
            if let snapshot = ready.snapshot {
                node.snapshot = snapshot
                let index = snapshot.metadata.index
                if node.raft.lastIndex > index, index >= node.storage.firstIndex - 1, index <= node.storage.lastIndex {
                    try node.storage.compact(through: index)
                } else {
                    try node.storage.reset(after: index)
                }
            }
            if let first = ready.entries.first {
                if first.index <= node.storage.lastIndex { try node.storage.truncate(after: first.index - 1) }
                try node.storage.append(ready.entries)
            }
        } catch {
            violations.append("\(id) failed to persist: \(error)")
        }
        if let hardState = ready.hardState { node.hardState = hardState }
        nodes[id] = node
    }

    private mutating func apply(_ id: NodeID, _ ready: Ready) {
        var node = nodes[id]!
        if let snapshot = ready.snapshot {
            node.applied = AppliedEntry.decode(snapshot.data)
            node.configurations = [(snapshot.metadata.index, snapshot.metadata.configuration)]
            if node.appliedIndex != snapshot.metadata.index {
                violations.append("\(id) restored a snapshot whose data ends at \(node.appliedIndex), not \(snapshot.metadata.index)")
            }
        }
        if !ready.committedEntries.isEmpty { output.append("  Committed:") }
        for entry in ready.committedEntries {
            output.append("  " + Describe.entry(entry))
            if entry.index != node.appliedIndex + 1 {
                violations.append("\(id) applied \(entry.index) after \(node.appliedIndex)")
            }
            let applied = AppliedEntry(entry)
            node.applied.append(applied)
            if entry.kind == .configuration, let configuration = try? Configuration(decoding: entry.data) {
                node.configurations.append((entry.index, configuration))
            }
        }
        for applied in node.applied.suffix(ready.committedEntries.count) + (ready.snapshot.map { _ in node.applied } ?? []) {
            if let other = appliedAnywhere[applied.index], other != applied {
                violations.append("State Machine Safety: \(id) applied \(applied) where another applied \(other)")
            }
            appliedAnywhere[applied.index] = applied
        }
        if !ready.readStates.isEmpty {
            output.append("  ReadStates:")
            for read in ready.readStates { output.append("  ctx=\(read.requestID) index=\(read.index)") }
            node.readStates.append(contentsOf: ready.readStates)
        }
        nodes[id] = node
    }

    // MARK: The network

    /// Whether a partition separates the two servers.
    func isCut(_ from: NodeID, _ to: NodeID) -> Bool {
        guard !partition.isEmpty else { return false }
        let group = { (id: NodeID) in partition.firstIndex { $0.contains(id) } ?? -1 }
        return group(from) != group(to)
    }

    /// Delivers every message in flight to `id`, in order, except those at the 1-based
    /// positions in `dropping`, those a partition cuts and those the filter drops. Returns how
    /// many arrived.
    @discardableResult
    mutating func deliver(to id: NodeID, dropping: Set<Int> = []) -> Int {
        let pending = inFlight.filter { $0.to == id }
        inFlight.removeAll { $0.to == id }
        guard !pending.isEmpty else { return 0 }
        output.append("> \(id) receiving messages")
        var delivered = 0
        for (position, message) in pending.enumerated() {
            let lost =
                dropping.contains(position + 1) || isCut(message.from, id) || dropFilter?(message) == true || nodes[id] == nil
            output.append("  " + Describe.message(message) + (lost ? " (dropped)" : ""))
            guard !lost else { continue }
            delivered += 1
            indent = "  "
            withNode(id) { $0.step(message) }
            indent = ""
        }
        checkLogMatching()
        return delivered
    }

    /// Loses every message in flight to `id` (or all of them).
    mutating func dropInFlight(to id: NodeID? = nil) {
        inFlight.removeAll { id == nil || $0.to == id }
    }

    /// Handles Readies and delivers messages until nothing is left to do.
    mutating func stabilize() {
        for _ in 0..<10_000 {
            var busy = false
            for id in ids where processReady(id) { busy = true }
            for id in Set(inFlight.map(\.to)).sorted() {
                deliver(to: id)
                busy = true
            }
            if !busy { return }
        }
        violations.append("the cluster did not settle")
    }

    // MARK: Checks

    private mutating func noteChanges(_ id: NodeID, from before: Raft) {
        let after = nodes[id]!.raft
        if after.role != before.role || after.term != before.term {
            output.append(indent + "\(id) becomes \(Describe.role(after.role)) at term \(after.term)")
        }
        if after.configuration != before.configuration {
            output.append(indent + "\(id) switches to \(Describe.configuration(after.configuration))")
        }
        if after.commitIndex < before.commitIndex {
            violations.append("\(id)'s commit index went back from \(before.commitIndex) to \(after.commitIndex)")
        }
        if before.role == .leader, after.role == .leader, before.term == after.term {
            let kept = stride(from: max(before.firstIndex, after.firstIndex), through: before.lastIndex, by: 1)
            if before.lastIndex > after.lastIndex || kept.contains(where: { before.entry(at: $0) != after.entry(at: $0) }) {
                violations.append("Leader Append-Only: leader \(id) changed its log in term \(after.term)")
            }
        }
        guard after.role == .leader, before.role != .leader || before.term != after.term else { return }
        if let other = leaderOfTerm[after.term], other != id {
            violations.append("Election Safety: \(id) and \(other) both lead term \(after.term)")
        }
        leaderOfTerm[after.term] = id
        for (index, entry) in appliedAnywhere where index >= after.firstIndex {
            if after.entry(at: index).map(AppliedEntry.init) != entry {
                violations.append("Leader Completeness: \(id) leads term \(after.term) without committed \(entry)")
            }
        }
    }

    /// After a Ready is handled, the durable log must hold exactly what the in-memory log holds.
    private mutating func checkDurableLog(_ id: NodeID) {
        let node = nodes[id]!
        guard node.storage.lastIndex == node.raft.lastIndex else {
            violations.append("\(id) persisted through \(node.storage.lastIndex) but its log ends at \(node.raft.lastIndex)")
            return
        }
        let from = max(node.storage.firstIndex, node.raft.firstIndex)
        guard from <= node.raft.lastIndex, let stored = try? node.storage.entries(from: from, to: node.raft.lastIndex) else { return }
        for entry in stored where node.raft.entry(at: entry.index) != entry {
            violations.append("\(id) persisted \(Describe.entry(entry)) but holds something else in memory")
        }
    }

    /// Log Matching: when two logs hold an entry with the same index and term, they are
    /// identical up to it.
    private mutating func checkLogMatching() {
        let ids = self.ids
        for (position, a) in ids.enumerated() {
            for b in ids[(position + 1)...] {
                let left = nodes[a]!.raft
                let right = nodes[b]!.raft
                let low = max(left.firstIndex, right.firstIndex)
                var high = min(left.lastIndex, right.lastIndex)
                while high >= low, left.entry(at: high)?.term != right.entry(at: high)?.term { high -= 1 }
                guard high >= low else { continue }
                for index in low...high where left.entry(at: index) != right.entry(at: index) {
                    violations.append("Log Matching: \(a) and \(b) agree at \(high) but differ at \(index)")
                    return
                }
            }
        }
    }

    // MARK: Queries

    /// The servers that lead, by their own account.
    var leaders: [NodeID] { ids.filter { nodes[$0]!.raft.role == .leader } }

    subscript(id: NodeID) -> Raft { nodes[id]!.raft }

    func messages(from: NodeID? = nil, to: NodeID? = nil, kind: MessageKind? = nil) -> [Message] {
        inFlight.filter { (from == nil || $0.from == from) && (to == nil || $0.to == to) && (kind == nil || $0.kind == kind) }
    }
}

extension RaftNetwork {
    /// Adds a server built elsewhere (``Raft/fixture(id:voters:terms:term:vote:commit:configure:)``),
    /// with storage holding what its core holds.
    mutating func insert(_ raft: Raft) {
        var node = TestNode(raft: raft, options: raft.options)
        try! node.storage.reset(after: raft.firstIndex - 1)
        try! node.storage.append(raft.entries())
        node.hardState = raft.hardState
        node.snapshot = raft.snapshot
        nodes[raft.id] = node
    }
}
