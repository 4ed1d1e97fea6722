import Testing

@testable import CaravanSim

/// The Porcupine-style checker on hand-made histories of register writes and reads.
struct LinearizabilityCheckerTests {
    static func write(_ key: Int, _ value: Int, _ call: UInt64, _ answer: UInt64?) -> Operation {
        Operation(key: key, kind: .write(value), call: call, answer: answer)
    }

    static func read(_ key: Int, _ value: Int, _ call: UInt64, _ answer: UInt64) -> Operation {
        Operation(key: key, kind: .read(value), call: call, answer: answer)
    }

    @Test("reads that see the last completed write, or a concurrent one, are linearizable")
    func concurrentWrites() {
        let history = [
            Self.write(1, 1, 1, 2),
            Self.write(1, 2, 3, 6),
            Self.read(1, 1, 4, 5),  // overlaps write 2, may precede it
            Self.read(1, 2, 7, 8),
        ]
        #expect(LinearizabilityChecker().check(history) == .linearizable)
    }

    @Test("a read of an overwritten value after the overwrite completed is not linearizable")
    func staleRead() {
        let history = [
            Self.write(3, 1, 1, 2),
            Self.write(3, 2, 3, 4),
            Self.read(3, 1, 5, 6),
        ]
        #expect(LinearizabilityChecker().check(history) == .violated(key: 3))
    }

    @Test("a write whose answer never came may have taken effect, at any time after its call")
    func unknownWrite() {
        let tookEffect = [Self.write(1, 1, 1, 2), Self.write(1, 2, 3, nil), Self.read(1, 2, 10, 11), Self.read(1, 2, 12, 13)]
        #expect(LinearizabilityChecker().check(tookEffect) == .linearizable)
        let never = [Self.write(1, 1, 1, 2), Self.write(1, 2, 3, nil), Self.read(1, 1, 10, 11)]
        #expect(LinearizabilityChecker().check(never) == .linearizable)
        let flickers = [Self.write(1, 1, 1, 2), Self.write(1, 2, 3, nil), Self.read(1, 2, 10, 11), Self.read(1, 1, 12, 13)]
        #expect(LinearizabilityChecker().check(flickers) == .violated(key: 1))
    }

    @Test("keys are checked apart: a violation names its key")
    func perKey() {
        let history = [
            Self.write(1, 1, 1, 2), Self.read(1, 1, 3, 4),
            Self.write(2, 5, 1, 2), Self.read(2, 0, 3, 4),
        ]
        #expect(LinearizabilityChecker().check(history) == .violated(key: 2))
    }

    @Test("the search gives up as unknown when its step budget runs out")
    func budget() {
        var history: [Operation] = []
        for value in 1...12 { history.append(Self.write(1, value, UInt64(value), nil)) }
        history.append(Self.read(1, 99, 100, 101))
        #expect(LinearizabilityChecker(stepBudget: 50).check(history) == .unknown)
    }
}
