import CaravanRaft
import CaravanState

/// What the fuzz target does with one input, shared with the test that replays the committed
/// corpus: the first byte chooses how the rest is read, and a broken property stops the process.
///
/// - `0`: the rest is a stream of random choices (``InputBytes``) for ``ArbitraryCommands``:
///   up to 64 commands and a restore point, checked with ``ApplyProperties``.
/// - `1`: the rest is raw log entries, each a length byte and that many bytes, applied as a
///   replica applies committed entries (most do not decode and halt the state machine, which is
///   the point: it must halt, not trap); those that decode are checked with ``ApplyProperties``.
/// - `2`: the rest is a raw state snapshot; if it decodes, it must re-encode, render, and take
///   more commands.
/// - `3`: the rest is a raw raft message and a raw raft configuration.
public enum FuzzInput {
    public static func run(_ bytes: [UInt8]) {
        guard let mode = bytes.first else { return }
        let rest = Array(bytes.dropFirst())
        switch mode % 4 {
        case 0: runCommands(rest)
        case 1: runEntries(rest)
        case 2: runSnapshot(rest)
        default: runRaftCodecs(rest)
        }
    }

    private static func runCommands(_ bytes: [UInt8]) {
        var commands = ArbitraryCommands(source: InputBytes(bytes))
        let script = commandScript(&commands)
        check(script, restoreAfter: commands.below(script.count + 1))
    }

    /// The commands a mode-0 input's choices make (up to 64).
    private static func commandScript(_ commands: inout ArbitraryCommands<InputBytes>) -> [Command] {
        var script: [Command] = []
        while !commands.source.isExhausted, script.count < 64 { script.append(commands.next()) }
        return script
    }

    /// The state hash after applying a mode-0 input's command script, for comparing replicas in
    /// processes whose hash seeds differ (`caravan-fuzz --hash`); `nil` for other inputs.
    public static func stateHash(_ bytes: [UInt8]) -> String? {
        guard bytes.first == 0 else { return nil }
        var commands = ArbitraryCommands(source: InputBytes(Array(bytes.dropFirst())))
        var machine = StateMachine()
        for (offset, command) in commandScript(&commands).enumerated() {
            _ = machine.apply(index: UInt64(offset + 1), data: command.encoded())
        }
        return machine.state.stateHash
    }

    private static func runEntries(_ bytes: [UInt8]) {
        var entries: [[UInt8]] = []
        var position = 0
        while position < bytes.count {
            let length = Int(bytes[position])
            position += 1
            let end = min(bytes.count, position + length)
            entries.append(Array(bytes[position..<end]))
            position = end
        }
        var machine = StateMachine()
        for (offset, entry) in entries.enumerated() { _ = machine.apply(index: UInt64(offset + 1), data: entry) }
        check(entries.compactMap { try? Command(decoding: $0) }, restoreAfter: entries.count / 2)
    }

    private static func runSnapshot(_ bytes: [UInt8]) {
        guard let state = try? StateVersion(decoding: bytes) else { return }
        if let problem = ApplyProperties.reencodingProblem(state) { fatalError("a decoded snapshot: \(problem)") }
        ApplyProperties.render(state)
        guard state.index < .max - 16 else { return }
        var machine = StateMachine(state: state)
        var commands = ArbitraryCommands(source: SplitMix64(seed: UInt64(bytes.count)))
        for offset in 1...16 { _ = machine.apply(index: state.index + UInt64(offset), data: commands.next().encoded()) }
        if let problem = ApplyProperties.reencodingProblem(machine.state) { fatalError("a decoded snapshot after more commands: \(problem)") }
        ApplyProperties.render(machine.state)
    }

    private static func runRaftCodecs(_ bytes: [UInt8]) {
        if let message = try? Message(decoding: bytes), (try? Message(decoding: message.encoded())) != message {
            fatalError("a raft message does not survive re-encoding")
        }
        if let configuration = try? Configuration(decoding: bytes),
            (try? Configuration(decoding: configuration.encoded())) != configuration
        {
            fatalError("a raft configuration does not survive re-encoding")
        }
    }

    private static func check(_ script: [Command], restoreAfter: Int) {
        if let violation = ApplyProperties.violation(of: script, restoreAfter: restoreAfter) { fatalError(violation) }
    }
}
