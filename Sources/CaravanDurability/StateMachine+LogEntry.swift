public import CaravanRaft
public import CaravanState

extension StateMachine {
    /// Applies one log entry: a command as it is; raft's own entries (a leader's no-op, a
    /// configuration) as a no-op that only moves the state's index.
    public mutating func apply(_ entry: LogEntry) -> AppliedEntry {
        apply(index: entry.index, data: entry.kind == .command ? entry.data : Self.noop)
    }

    private static let noop = Command.noop.encoded()
}
