import HTTPTypes

/// Where a request carries its ACL token: `X-Nomad-Token`, else `Authorization: Bearer <secret>`
/// (scheme in any case), as Nomad reads it. What the token may do is the admission's business
/// (`TokenResolver`).
enum TokenHeader {
    /// The request's token secret, surrounding whitespace trimmed; empty when there is none.
    static func secret(of headers: HTTPFields) -> String {
        if let token = headers[.nomadToken] {
            return token.trimmingWhitespace
        }
        guard let authorization = headers[.authorization] else { return "" }
        let words = authorization.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count >= 2, words[0].lowercased() == "bearer" else { return "" }
        return String(words[1]).trimmingWhitespace
    }
}

extension HTTPField.Name {
    static let nomadToken = HTTPField.Name("X-Nomad-Token")!
}

extension String {
    /// The string without leading and trailing spaces and tabs (the only whitespace an HTTP
    /// field value can hold). Works on the UTF-8 bytes: a token is checked on every request.
    var trimmingWhitespace: String {
        let utf8 = self.utf8
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = utf8.first, let last = utf8.last, isBlank(first) || isBlank(last) else { return self }
        guard let start = utf8.firstIndex(where: { !isBlank($0) }), let end = utf8.lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
