/// Runs a `RegexProgram` over a text's Unicode scalars by Pike's simulation of the NFA: every
/// thread advances in lockstep, one scalar at a time, and each instruction holds at most one thread
/// per position, so a run costs O(program length × text length) and never backtracks. A new thread
/// starts at every position (the search is unanchored), except after the first when the program
/// begins with `\A`.
struct PikeVM {
    let program: RegexProgram

    /// The threads at one position: a sparse set of instruction indices, cleared in constant time.
    private struct ThreadList {
        private(set) var members: [Int]
        private var slots: [Int]
        private(set) var count = 0

        init(capacity: Int) {
            members = Array(repeating: 0, count: capacity)
            slots = Array(repeating: 0, count: capacity)
        }

        func contains(_ instruction: Int) -> Bool {
            let slot = slots[instruction]
            return slot < count && members[slot] == instruction
        }

        mutating func insert(_ instruction: Int) {
            slots[instruction] = count
            members[count] = instruction
            count += 1
        }

        mutating func removeAll() {
            count = 0
        }
    }

    func matches(_ text: String) -> Bool {
        let instructions = program.instructions
        let anchoredAtStart = instructions.first == .assertion(.beginningOfText)
        var current = ThreadList(capacity: instructions.count)
        var next = ThreadList(capacity: instructions.count)
        var pending: [Int] = []
        var scalars = text.unicodeScalars.makeIterator()
        var upcoming = scalars.next()
        if follow(0, into: &current, previous: nil, next: upcoming, pending: &pending) {
            return true
        }
        while let scalar = upcoming {
            if anchoredAtStart && current.count == 0 {
                return false
            }
            let following = scalars.next()
            next.removeAll()
            for slot in 0..<current.count {
                let instruction = current.members[slot]
                if consumes(instructions[instruction], scalar),
                    follow(instruction + 1, into: &next, previous: scalar, next: following, pending: &pending)
                {
                    return true
                }
            }
            if !anchoredAtStart && follow(0, into: &next, previous: scalar, next: following, pending: &pending) {
                return true
            }
            swap(&current, &next)
            upcoming = following
        }
        return false
    }

    private func consumes(_ instruction: RegexInstruction, _ scalar: Unicode.Scalar) -> Bool {
        switch instruction {
        case .scalar(let expected): scalar == expected
        case .foldedScalar(let expected): CaseFolding.canonical(scalar) == expected
        case .characterClass(let characterClass): characterClass.contains(scalar)
        case .anyScalar: true
        case .anyScalarExceptNewline: scalar != "\n"
        case .split, .jump, .assertion, .match: false
        }
    }

    /// Adds the thread at `start` and every thread reachable from it without consuming a scalar
    /// (between `previous` and `next`) to `list`; true as soon as one reaches `match`.
    private func follow(
        _ start: Int, into list: inout ThreadList, previous: Unicode.Scalar?, next: Unicode.Scalar?,
        pending: inout [Int]
    ) -> Bool {
        let instructions = program.instructions
        pending.append(start)
        while let index = pending.popLast() {
            if list.contains(index) { continue }
            list.insert(index)
            switch instructions[index] {
            case .jump(let target):
                pending.append(target)
            case .split(let first, let second):
                pending.append(second)
                pending.append(first)
            case .assertion(let assertion):
                if assertion.holds(previous: previous, next: next) {
                    pending.append(index + 1)
                }
            case .match:
                pending.removeAll(keepingCapacity: true)
                return true
            case .scalar, .foldedScalar, .characterClass, .anyScalar, .anyScalarExceptNewline:
                break
            }
        }
        return false
    }
}
