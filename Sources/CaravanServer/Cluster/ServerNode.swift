public import CaravanRaft
public import CaravanState

/// Why a write could not be carried out.
public enum SubmitError: Error, Sendable {
    case log(LogError)
}

/// One Caravan server: its log, its state machine and the state readers see.
///
/// A write goes through ``submit(_:)``: the command is encoded, appended to the log, committed
/// (at once, in a cluster of one), applied by the state machine, and the new state version is
/// published, waking the blocking queries it concerns; only then does `submit` return.
public actor ServerNode {
    public nonisolated let store: StateStore
    private var log: SingleServerLog<MemoryLogStorage>
    private var machine: StateMachine

    public init() {
        machine = StateMachine()
        store = StateStore(machine.state)
        log = SingleServerLog(storage: MemoryLogStorage())
    }

    /// The index of the last applied entry.
    public var appliedIndex: UInt64 { machine.state.index }

    /// The index of the last entry in the log.
    public var lastLogIndex: UInt64 { log.storage.lastIndex }

    /// Appends `command`, commits and applies it; returns what applying it did.
    public func submit(_ command: Command) throws(SubmitError) -> AppliedEntry {
        do {
            _ = try log.propose([command.encoded()])
            var last: AppliedEntry? = nil
            for entry in try log.committedEntries() {
                let applied = machine.apply(index: entry.index, data: entry.data)
                store.publish(machine.state, changes: applied.changes)
                last = applied
            }
            return last!
        } catch {
            throw .log(error)
        }
    }
}
