/// Arithmetic that cannot trap, for the counts the state machine derives from commands.
///
/// A command's numbers are whatever its proposer put there; applying it must never trap, or every
/// replica would stop on the same entry, again after every restart. Counts that would pass the
/// largest `Int` stay there instead.
extension Int {
    /// `self + other`, clamped to `Int.min...Int.max`.
    func saturatingAdding(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }
}

extension UInt64 {
    /// `self + 1`, or `UInt64.max` if it already is.
    var saturatingSuccessor: UInt64 { self == .max ? .max : self + 1 }
}

extension Sequence<Int> {
    /// The sum of the elements, clamped to `Int.min...Int.max` at every step.
    func saturatingSum() -> Int { reduce(0) { $0.saturatingAdding($1) } }
}
