/// The regular expression of a `matches` test, compiled once at parse time. go-bexpr compiles the
/// pattern when a string first meets it, so a pattern that does not compile is not a parse error:
/// the failure is kept and reported by each evaluation that reaches it.
///
/// Patterns use Go's RE2 syntax and run on `RegexProgram`, whose matching time is linear in the
/// text, so a pattern such as `(a+)+$` cannot pin a thread the way a backtracking engine would.
struct CompiledPattern: Sendable {
    private let compiled: Result<RegexProgram, FilterEvaluationError>

    init(_ source: String) {
        do {
            compiled = .success(try RegexProgram(source))
        } catch {
            compiled = .failure(
                FilterEvaluationError("failed to compile regular expression \(GoStringLiteral.quote(source)): \(error)"))
        }
    }

    /// Whether the pattern matches anywhere in `text`, like Go's `Regexp.MatchString`.
    func matches(_ text: String) throws(FilterEvaluationError) -> Bool {
        try compiled.get().matches(text)
    }
}
