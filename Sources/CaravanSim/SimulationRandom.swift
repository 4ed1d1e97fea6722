import CaravanRaft

/// The simulation's only source of randomness is one ``SplitMix64`` seeded from the run's seed,
/// so a seed gives the same run on any machine.
typealias SimulationRandom = SplitMix64

extension SplitMix64 {
    /// A value in `0..<bound`.
    mutating func below(_ bound: Int) -> Int { next(below: bound) }

    /// True with probability `percent` / 100.
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}
