/// One instruction of a compiled regular expression, run by `PikeVM`.
enum RegexInstruction: Sendable, Equatable {
    /// Consumes exactly this scalar.
    case scalar(Unicode.Scalar)
    /// Consumes any scalar whose case-folding representative is this one.
    case foldedScalar(Unicode.Scalar)
    case characterClass(CharacterClass)
    case anyScalar
    case anyScalarExceptNewline
    /// Continues at both targets.
    case split(Int, Int)
    case jump(Int)
    /// Continues at the next instruction only where the assertion holds.
    case assertion(RegexAssertion)
    /// The pattern has matched.
    case match
}

/// A regular expression in Go's RE2 syntax, compiled to a Thompson NFA program: an immutable list
/// of instructions, at most `maximumInstructions` long so a pattern such as `(?:abcdefghij){1000}`
/// cannot make a program (and every match against it) arbitrarily large.
struct RegexProgram: Sendable, Equatable {
    static let maximumInstructions = 10_000

    let instructions: [RegexInstruction]

    init(_ source: String) throws(RegexSyntaxError) {
        var compiler = Compiler(source: source)
        try compiler.emit(try RegexParser.parse(source).simplified())
        try compiler.append(.match)
        instructions = compiler.instructions
    }

    /// Whether the pattern matches anywhere in `text`, like Go's `Regexp.MatchString`, in time
    /// proportional to the program's length times the text's.
    func matches(_ text: String) -> Bool {
        PikeVM(program: self).matches(text)
    }

    /// Lowers a `RegexNode` to instructions, repeating a counted repetition's body once per copy.
    private struct Compiler {
        let source: String
        var instructions: [RegexInstruction] = []

        @discardableResult
        mutating func append(_ instruction: RegexInstruction) throws(RegexSyntaxError) -> Int {
            guard instructions.count < RegexProgram.maximumInstructions else {
                throw RegexSyntaxError(.expressionTooLarge, source)
            }
            instructions.append(instruction)
            return instructions.count - 1
        }

        mutating func emit(_ node: RegexNode) throws(RegexSyntaxError) {
            switch node {
            case .empty:
                break
            case .literal(let scalar, let foldsCase):
                if foldsCase && CaseFolding.orbit(of: scalar).count > 1 {
                    try append(.foldedScalar(CaseFolding.canonical(scalar)))
                } else {
                    try append(.scalar(scalar))
                }
            case .characterClass(let characterClass):
                try append(.characterClass(characterClass))
            case .anyScalar(let matchesNewline):
                try append(matchesNewline ? .anyScalar : .anyScalarExceptNewline)
            case .assertion(let assertion):
                try append(.assertion(assertion))
            case .concatenation(let parts):
                for part in parts {
                    try emit(part)
                }
            case .alternation(let alternatives):
                try emitAlternation(alternatives)
            case .repetition(let body, let minimum, let maximum, _):
                try emitRepetition(body, minimum: minimum, maximum: maximum)
            }
        }

        /// `split next, other; <first>; jump end; other: …` for each alternative but the last.
        private mutating func emitAlternation(_ alternatives: [RegexNode]) throws(RegexSyntaxError) {
            var jumpsToEnd: [Int] = []
            for alternative in alternatives.dropLast() {
                let split = try append(.split(0, 0))
                try emit(alternative)
                jumpsToEnd.append(try append(.jump(0)))
                instructions[split] = .split(split + 1, instructions.count)
            }
            if let last = alternatives.last {
                try emit(last)
            }
            for jump in jumpsToEnd {
                instructions[jump] = .jump(instructions.count)
            }
        }

        /// The required copies, then a loop (`x+` reuses the last copy) or nested optional copies.
        private mutating func emitRepetition(_ body: RegexNode, minimum: Int, maximum: Int?) throws(RegexSyntaxError) {
            guard let maximum else {
                if minimum == 0 {
                    let split = try append(.split(0, 0))
                    try emit(body)
                    try append(.jump(split))
                    instructions[split] = .split(split + 1, instructions.count)
                } else {
                    for _ in 0..<minimum - 1 {
                        try emit(body)
                    }
                    let loopStart = instructions.count
                    try emit(body)
                    try append(.split(loopStart, instructions.count + 1))
                }
                return
            }
            for _ in 0..<minimum {
                try emit(body)
            }
            var splitsToEnd: [Int] = []
            for _ in minimum..<max(minimum, maximum) {
                splitsToEnd.append(try append(.split(0, 0)))
                try emit(body)
            }
            for split in splitsToEnd {
                instructions[split] = .split(split + 1, instructions.count)
            }
        }
    }
}
