/// The log as the consensus core sees it: entries after the last compaction point, held in
/// memory, with three marks — how far the log is committed, how far the runtime has persisted
/// it, how far it has applied it.
///
/// The runtime persists the same entries (``Ready/entries``); this copy serves replication.
struct RaftLog: Sendable {
    /// The index and term of the entry just before ``entries`` (a snapshot's last entry, or 0/0).
    private(set) var previousIndex: UInt64 = 0
    private(set) var previousTerm: UInt64 = 0
    private(set) var entries: [LogEntry] = []
    private(set) var committed: UInt64 = 0
    /// The last index handed to the runtime to apply.
    var applying: UInt64 = 0
    /// The first index not yet handed to the runtime to persist.
    var unstable: UInt64 = 1
    /// The last index the runtime reported persisted.
    var persisted: UInt64 = 0

    init() {}

    /// A log restored from what the runtime persisted: the newest snapshot's position and the
    /// entries kept after compaction, which may start before the snapshot's index but never leave
    /// a gap after it.
    init(snapshot: RaftSnapshotMetadata?, entries: [LogEntry], committed: UInt64, applied: UInt64) {
        let snapshotIndex = snapshot?.index ?? 0
        var entries = entries
        if let first = entries.first, first.index <= snapshotIndex {
            previousIndex = first.index
            previousTerm = first.term
            entries.removeFirst()
        } else {
            previousIndex = snapshotIndex
            previousTerm = snapshot?.term ?? 0
        }
        precondition(entries.first.map { $0.index == previousIndex + 1 } ?? true, "a gap after the snapshot")
        self.entries = entries
        // The bootstrap entry (index 1, term 1, a configuration) is committed by construction:
        // every founding server writes the same one.
        let bootstrapped = entries.first.map { $0.index == 1 && $0.term == 1 && $0.kind == .configuration } ?? false
        // What was committed must still be here: a hard state's commit or a snapshot past the
        // end of the log it was recovered with means that log lost entries a quorum holds. The
        // runtime persists no commit index (it is relearnt from the leader) and recovery drops a
        // log that does not reach its snapshot, so this never holds of an intact data directory.
        let committed = max(committed, snapshotIndex, bootstrapped ? 1 : 0)
        let lastIndex = previousIndex + UInt64(entries.count)
        precondition(committed <= lastIndex, Self.outOfRange(committed, lastIndex: lastIndex))
        self.committed = committed
        self.applying = max(applied, snapshotIndex)
        unstable = lastIndex + 1
        persisted = lastIndex
    }

    var firstIndex: UInt64 { previousIndex + 1 }
    var lastIndex: UInt64 { previousIndex + UInt64(entries.count) }
    var lastTerm: UInt64 { entries.last?.term ?? previousTerm }

    /// The term of the entry at `index`, nil when it is compacted away or beyond the end.
    func term(at index: UInt64) -> UInt64? {
        if index == previousIndex { return previousTerm }
        guard index > previousIndex, index <= lastIndex else { return nil }
        return entries[Int(index - previousIndex - 1)].term
    }

    func entry(at index: UInt64) -> LogEntry? {
        guard index > previousIndex, index <= lastIndex else { return nil }
        return entries[Int(index - previousIndex - 1)]
    }

    func matches(index: UInt64, term: UInt64) -> Bool { self.term(at: index) == term }

    /// Whether a candidate whose log ends at `index`/`term` is at least as up to date (§5.4.1).
    func isUpToDate(index: UInt64, term: UInt64) -> Bool {
        term > lastTerm || (term == lastTerm && index >= lastIndex)
    }

    /// Entries `from...` up to `maxCount` entries and about `maxBytes` bytes (at least one).
    func entries(from index: UInt64, maxCount: Int, maxBytes: Int) -> [LogEntry] {
        guard index > previousIndex, index <= lastIndex else { return [] }
        let start = Int(index - previousIndex - 1)
        var end = start
        var bytes = 0
        while end < entries.count, end - start < maxCount {
            bytes += entries[end].data.count + 32
            if bytes > maxBytes, end > start { break }
            end += 1
        }
        return Array(entries[start..<end])
    }

    /// Appends `new` (which continue the log or overwrite a suffix of it) and returns the new last index.
    @discardableResult
    mutating func append(_ new: [LogEntry]) -> UInt64 {
        guard let first = new.first else { return lastIndex }
        precondition(first.index > committed, "overwriting committed entry \(first.index) (committed \(committed))")
        if first.index <= lastIndex {
            entries.removeLast(Int(lastIndex - first.index + 1))
            unstable = min(unstable, first.index)
            persisted = min(persisted, first.index - 1)
        }
        precondition(first.index == lastIndex + 1, "gap before entry \(first.index)")
        entries.append(contentsOf: new)
        return lastIndex
    }

    /// The first of `new` whose term differs from the entry at its index, or that lies past
    /// the end; nil when all of them are already here.
    func firstConflict(in new: [LogEntry]) -> UInt64? {
        for entry in new where !matches(index: entry.index, term: entry.term) { return entry.index }
        return nil
    }

    /// A follower's AppendEntries rule (paper Fig. 2): when the entry at `index` has `term`,
    /// keep what matches, drop a conflicting suffix, append the rest, advance the commit index.
    /// Returns the last index known to match the leader, or nil when the log does not match.
    mutating func appendFromLeader(index: UInt64, term: UInt64, commit: UInt64, entries new: [LogEntry]) -> UInt64? {
        guard matches(index: index, term: term) else { return nil }
        let lastNew = index + UInt64(new.count)
        if let conflict = firstConflict(in: new) {
            append(Array(new[Int(conflict - index - 1)...]))
        }
        // Only what this append showed to match the leader's log may commit (etcd's
        // `min(m.Commit, lastnewi)`): a larger commit, from a faulty or forged leader, is not
        // trusted past it.
        self.commit(to: min(commit, lastNew))
        return lastNew
    }

    /// Moves the commit index forward to `index`, which the log must hold: callers bound what a
    /// message claims by what the log holds, so a commit past the end is a log that lost
    /// entries (or a bug), and committing what is not there would apply a hole. Traps, as
    /// etcd-io/raft's `commitTo` panics.
    mutating func commit(to index: UInt64) {
        guard index > committed else { return }
        precondition(index <= lastIndex, Self.outOfRange(index, lastIndex: lastIndex))
        committed = index
    }

    /// The trap's message, etcd-io/raft's.
    static func outOfRange(_ index: UInt64, lastIndex: UInt64) -> String {
        "tocommit(\(index)) is out of range [lastIndex(\(lastIndex))]. Was the raft log corrupted, truncated, or lost?"
    }

    /// A hint for a leader whose AppendEntries at `index` did not match: the last index at or
    /// before it whose term is at most `term`, so the leader can skip a whole term at a time.
    func conflictHint(index: UInt64, term: UInt64) -> (index: UInt64, term: UInt64) {
        var candidate = min(index, lastIndex)
        while candidate > previousIndex, let t = self.term(at: candidate), t > term { candidate -= 1 }
        return (candidate, self.term(at: candidate) ?? 0)
    }

    /// Entries to hand to the runtime for persisting.
    var unstableEntries: [LogEntry] {
        guard unstable <= lastIndex else { return [] }
        return Array(entries[Int(unstable - previousIndex - 1)...])
    }

    /// Committed entries not yet handed out for applying, up to `maxBytes` (at least one).
    func entriesToApply(maxBytes: Int) -> [LogEntry] {
        let upTo = min(committed, persisted)
        guard applying < upTo else { return [] }
        return entries(from: applying + 1, maxCount: Int(upTo - applying), maxBytes: maxBytes)
    }

    /// Replaces the log with a snapshot's position; keeps the entries after it when the log
    /// holds the snapshot's last entry (paper Fig. 13 rules 6 and 7).
    mutating func restore(_ metadata: RaftSnapshotMetadata) {
        if matches(index: metadata.index, term: metadata.term), metadata.index >= previousIndex {
            entries.removeFirst(Int(metadata.index - previousIndex))
        } else {
            entries = []
        }
        previousIndex = metadata.index
        previousTerm = metadata.term
        committed = max(committed, metadata.index)
        applying = max(applying, metadata.index)
        persisted = max(persisted, metadata.index)
        unstable = max(unstable, metadata.index + 1)
        if entries.isEmpty {
            persisted = metadata.index
            unstable = metadata.index + 1
        }
    }

    /// Drops entries through `index` (a snapshot covers them).
    mutating func compact(through index: UInt64) {
        let target = min(index, applying, lastIndex)
        guard target > previousIndex else { return }
        previousTerm = term(at: target) ?? previousTerm
        entries.removeFirst(Int(target - previousIndex))
        previousIndex = target
    }
}
