public import CaravanEvents
public import CaravanState

extension EventJournal {
    /// Takes what one step of the core applied, as a shell publishes it: a snapshot installed
    /// restarts the journal at its index; each entry applied after it follows, its events derived
    /// from the state before it. `state` is the state before `output` and becomes the state
    /// after it.
    public func record(_ output: CoreOutput, after state: inout StateVersion) {
        if let restored = output.restored {
            restart(after: restored.index)
            state = restored
        }
        for applied in output.applied where applied.state.index > state.index {
            record(applied.result, before: state, after: applied.state)
            state = applied.state
        }
    }
}
