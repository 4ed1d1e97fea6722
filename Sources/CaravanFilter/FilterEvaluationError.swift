/// Why a parsed filter could not be decided for one datum, with go-bexpr's wording: selecting into a
/// string or number reads `error finding value in datum: /Name/x at part 1: invalid value kind: string`,
/// a literal that does not fit the field reads `error getting match value in expression: …`, an
/// operator that does not apply to the field's kind reads `cannot perform … operations on type …`.
public struct FilterEvaluationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
