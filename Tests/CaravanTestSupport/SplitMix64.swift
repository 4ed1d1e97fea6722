/// The tests draw their random inputs from the same seeded generator raft and the simulator use:
/// the same seed gives the same inputs on every machine, so a failure names a reproducible seed.
@_exported import struct CaravanRaft.SplitMix64
