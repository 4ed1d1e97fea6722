/// The regular expression of a `matches` test, compiled once at parse time. go-bexpr compiles the
/// pattern when a string first meets it, so a pattern that does not compile is not a parse error:
/// the failure is kept and reported by each evaluation that reaches it.
///
/// `Regex` is not declared `Sendable`, but a compiled regex is an immutable value; the pattern is
/// run once here so the standard library's lazily built matcher exists before the value is shared.
struct CompiledPattern: @unchecked Sendable {
    private let compiled: Result<Regex<AnyRegexOutput>, FilterEvaluationError>

    init(_ source: String) {
        do {
            let regex = try Regex(source).matchingSemantics(.unicodeScalar)
            _ = try regex.firstMatch(in: "")
            compiled = .success(regex)
        } catch {
            compiled = .failure(
                FilterEvaluationError("failed to compile regular expression \(GoStringLiteral.quote(source)): \(error)"))
        }
    }

    /// Whether the pattern matches anywhere in `text`, like Go's `Regexp.MatchString`.
    func matches(_ text: String) throws(FilterEvaluationError) -> Bool {
        let regex = try compiled.get()
        return (try? regex.firstMatch(in: text)) != nil
    }
}
