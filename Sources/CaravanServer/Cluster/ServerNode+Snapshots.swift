import CaravanDurability
import CaravanRaft
import CaravanState
import CaravanStorage
import NIOPosix

/// Background snapshots of the applied state, and the log compaction behind them.
extension ServerNode {
    func snapshotIfDue() {
        guard let snapshots = persistence.snapshots, !snapshotting, machine.halt == nil, machine.state.index >= snapshotDue else { return }
        snapshotting = true
        let state = machine.state
        let metadata = snapshotMetadata(for: state.index)
        let (persistence, trailing) = (persistence, durability.trailingEntries)
        Task {
            let result: Result<[UInt8], any Error>
            do {
                result = .success(
                    try await NIOThreadPool.singleton.runIfActive {
                        try Self.writeSnapshot(state, metadata: metadata, to: snapshots, compacting: persistence, keeping: trailing)
                    })
            } catch {
                result = .failure(error)
            }
            self.snapshotFinished(metadata: metadata, result)
        }
    }

    /// The snapshot metadata for the applied state at `index`: its term and the configuration then.
    func snapshotMetadata(for index: UInt64) -> SnapshotMetadata {
        SnapshotMetadata(index: index, term: raft.entry(at: index)?.term ?? raft.term, configuration: raft.configuration)
    }

    func snapshotFinished(metadata: SnapshotMetadata, _ result: Result<[UInt8], any Error>) {
        snapshotting = false
        snapshotDue = max(snapshotDue, metadata.index + durability.snapshotInterval)
        switch result {
        case .success(let frame):
            statistics.snapshots += 1
            statistics.lastSnapshotIndex = metadata.index
            statistics.lastSnapshotError = nil
            let trailing = metadata.index > durability.trailingEntries ? metadata.index - durability.trailingEntries : 0
            raft.snapshotTaken(Snapshot(metadata: metadata, data: frame), compactingThrough: trailing)
        case .failure(let error):
            statistics.lastSnapshotError = String(describing: error)
        }
        snapshotIfDue()
    }

    /// Saves `state` as a snapshot, then lets the log drop what it covers but `trailing` entries.
    static func writeSnapshot(
        _ state: StateSnapshot, metadata: SnapshotMetadata, to snapshots: SnapshotStore, compacting persistence: RaftPersistence,
        keeping trailing: UInt64
    ) throws -> [UInt8] {
        let frame = try snapshots.save(index: metadata.index, term: metadata.term, configuration: metadata.configuration, state: state.encoded())
            .frame
        if state.index > trailing { try persistence.compact(through: state.index - trailing) }
        return frame
    }

    /// Takes a snapshot now, in the caller's task; for tests and `caravan operator`.
    public func snapshotNow() throws {
        guard let snapshots = persistence.snapshots else { return }
        let state = machine.state
        let metadata = snapshotMetadata(for: state.index)
        let frame = try Self.writeSnapshot(state, metadata: metadata, to: snapshots, compacting: persistence, keeping: durability.trailingEntries)
        statistics.snapshots += 1
        statistics.lastSnapshotIndex = state.index
        snapshotDue = state.index + durability.snapshotInterval
        let trailing = state.index > durability.trailingEntries ? state.index - durability.trailingEntries : 0
        raft.snapshotTaken(Snapshot(metadata: metadata, data: frame), compactingThrough: trailing)
    }
}
