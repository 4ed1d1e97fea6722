/// A location in HCL source text, owned by every parsed node and every parse error.
///
/// `line` and `column` are both 1-based. `column` counts Unicode scalars (not bytes and not
/// grapheme clusters) from the start of the line, so `"é"` written as one scalar advances the
/// column by one, while `"e\u{301}"` advances it by two. A leading byte-order mark is not counted,
/// and a CRLF line ending counts as a single line break.
public struct HCLPosition: Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line number.
    public var line: Int
    /// The 1-based column, counted in Unicode scalars.
    public var column: Int

    /// Creates a position from a 1-based line and a 1-based, scalar-counted column.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `"line:column"`, for example `"3:14"`.
    public var description: String { "\(line):\(column)" }
}
