/// A lexical token of the HCL native syntax together with where it starts.
struct HCLToken: Sendable {
    /// What kind of token was read, with its text where it has one.
    enum Kind: Sendable, Equatable {
        case identifier(String)
        case number(String)
        case quotedString(String)
        case heredoc(String)
        case leftBrace
        case rightBrace
        case leftBracket
        case rightBracket
        case equals
        case colon
        case comma
        case newline
        case endOfInput
    }

    var kind: Kind
    var position: HCLPosition

    /// How the token is named in error messages, for example `identifier 'foo'` or `'}'`.
    var summary: String {
        switch kind {
        case .identifier(let name): "identifier '\(name)'"
        case .number(let text): "number '\(text)'"
        case .quotedString: "a quoted string"
        case .heredoc: "a heredoc"
        case .leftBrace: "'{'"
        case .rightBrace: "'}'"
        case .leftBracket: "'['"
        case .rightBracket: "']'"
        case .equals: "'='"
        case .colon: "':'"
        case .comma: "','"
        case .newline: "a newline"
        case .endOfInput: "end of input"
        }
    }
}
