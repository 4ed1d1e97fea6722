/// Scanning of quoted strings and heredocs, the two forms of string template.
///
/// Template sequences (`${ ... }` interpolations and `%{ ... }` directives) are copied verbatim,
/// from the `$` or `%` through the matching `}`: nested braces and nested quoted strings
/// (which may themselves contain template sequences) are tracked with an explicit stack rather
/// than recursion, so no input can exhaust the call stack. The escapes `$${` and `%%{` are copied
/// verbatim and do not open a sequence.
extension HCLLexer {
    /// Scans a `"`-quoted string starting at the opening quote, decoding its escapes.
    mutating func scanQuotedString() throws(HCLParseError) -> String {
        let opener = position
        advance()
        var text = String.UnicodeScalarView()
        while true {
            guard let scalar = peek(), scalar != "\n" else {
                throw HCLParseError(position: opener, message: "unterminated string; missing closing quote")
            }
            if scalar == "\"" {
                advance()
                return String(text)
            }
            if scalar == "\\" {
                text.append(try scanEscape(stringOpener: opener))
                continue
            }
            if scalar == "$" || scalar == "%" {
                if peek(1) == scalar, peek(2) == "{" {
                    text.append(contentsOf: [scalar, scalar, "{"])
                    advance(by: 3)
                    continue
                }
                if peek(1) == "{" {
                    try copyTemplateSequence(into: &text)
                    continue
                }
            }
            text.append(scalar)
            advance()
        }
    }

    /// Decodes one backslash escape, starting at the backslash.
    private mutating func scanEscape(stringOpener: HCLPosition) throws(HCLParseError) -> Unicode.Scalar {
        let start = position
        advance()
        guard let letter = peek(), letter != "\n" else {
            throw HCLParseError(position: stringOpener, message: "unterminated string; missing closing quote")
        }
        advance()
        switch letter {
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "\"": return "\""
        case "\\": return "\\"
        case "u": return try scanUnicodeEscape(digits: 4, letter: letter, start: start)
        case "U": return try scanUnicodeEscape(digits: 8, letter: letter, start: start)
        default:
            throw HCLParseError(position: start, message: "invalid escape sequence '\\\(letter)'")
        }
    }

    private mutating func scanUnicodeEscape(
        digits: Int, letter: Unicode.Scalar, start: HCLPosition
    ) throws(HCLParseError) -> Unicode.Scalar {
        var written = "\\\(letter)"
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let scalar = peek(), let digit = Self.hexValue(scalar) else {
                throw HCLParseError(
                    position: start,
                    message: "invalid unicode escape '\(written)'; expected \(digits) hexadecimal digits")
            }
            written.unicodeScalars.append(scalar)
            value = value &* 16 &+ digit
            advance()
        }
        guard let decoded = Unicode.Scalar(value) else {
            throw HCLParseError(
                position: start, message: "invalid unicode escape '\(written)'; not a Unicode scalar value")
        }
        return decoded
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 0x30
        case "a"..."f": scalar.value - 0x61 + 10
        case "A"..."F": scalar.value - 0x41 + 10
        default: nil
        }
    }

    /// One level of what a template sequence is nested in.
    private enum TemplateFrame {
        /// Inside a `${`/`%{` sequence or a plain `{`, with this many plain `{` still open.
        case braces(openPlainBraces: Int)
        /// Inside a quoted string that itself sits inside a template sequence.
        case string
    }

    /// Copies a `${ ... }` or `%{ ... }` sequence verbatim, starting at the `$` or `%`.
    private mutating func copyTemplateSequence(into text: inout String.UnicodeScalarView) throws(HCLParseError) {
        let opener = position
        let introducer = peek() ?? "$"
        text.append(contentsOf: [introducer, "{"])
        advance(by: 2)
        var stack: [TemplateFrame] = [.braces(openPlainBraces: 0)]
        while let frame = stack.last {
            guard let scalar = peek(), scalar != "\n" else {
                throw HCLParseError(
                    position: opener, message: "unterminated template sequence '\(introducer){'; missing closing '}'")
            }
            text.append(scalar)
            advance()
            switch frame {
            case .braces(let open):
                if scalar == "{" {
                    stack[stack.count - 1] = .braces(openPlainBraces: open + 1)
                } else if scalar == "}" {
                    if open == 0 {
                        stack.removeLast()
                    } else {
                        stack[stack.count - 1] = .braces(openPlainBraces: open - 1)
                    }
                } else if scalar == "\"" {
                    stack.append(.string)
                }
            case .string:
                if scalar == "\\" {
                    if let escaped = peek(), escaped != "\n" {
                        text.append(escaped)
                        advance()
                    }
                } else if scalar == "\"" {
                    stack.removeLast()
                } else if scalar == "$" || scalar == "%" {
                    if peek() == scalar, peek(1) == "{" {
                        text.append(contentsOf: [scalar, "{"])
                        advance(by: 2)
                    } else if peek() == "{" {
                        text.append("{")
                        advance()
                        stack.append(.braces(openPlainBraces: 0))
                    }
                }
            }
        }
    }

    /// Scans a heredoc starting at `<<`, through its closing marker (the rest of that line is left unread).
    ///
    /// Content is taken literally (no escapes) and every content line keeps its trailing newline.
    /// For `<<-` the smallest leading run of spaces and tabs over the lines that have any other
    /// character is removed from every line (each space or tab counts as one; whitespace-only lines
    /// lose up to that many).
    mutating func scanHeredoc() throws(HCLParseError) -> String {
        let opener = position
        advance(by: 2)
        let indented = peek() == "-"
        if indented {
            advance()
        }
        guard let first = peek(), Self.isIdentifierStart(first) else {
            throw HCLParseError(position: position, message: "expected a heredoc marker name after '<<'")
        }
        let marker = Array(scanIdentifier().unicodeScalars)
        while let scalar = peek(), scalar == " " || scalar == "\t" {
            advance()
        }
        guard let lineEnd = peek() else {
            throw unterminatedHeredoc(marker, at: opener)
        }
        guard lineEnd == "\n" else {
            throw HCLParseError(
                position: position,
                message: "expected a newline after heredoc marker '\(String(String.UnicodeScalarView(marker)))'")
        }
        advance()
        var lines: [Range<Int>] = []
        while offset < endOffset {
            let start = offset
            var end = start
            while end < endOffset, scalar(at: end) != "\n" {
                end += 1
            }
            let indentEnd = (start..<end).first { !isSpaceOrTab(scalar(at: $0)) } ?? end
            var trimmedEnd = end
            while trimmedEnd > indentEnd, isSpaceOrTab(scalar(at: trimmedEnd - 1)) {
                trimmedEnd -= 1
            }
            if (indentEnd..<trimmedEnd).map(scalar(at:)) == marker {
                advance(by: trimmedEnd - start)
                return heredocContent(lines: lines, indented: indented)
            }
            lines.append(start..<end)
            advance(by: end - start + 1)
        }
        throw unterminatedHeredoc(marker, at: opener)
    }

    private func unterminatedHeredoc(_ marker: [Unicode.Scalar], at opener: HCLPosition) -> HCLParseError {
        let name = String(String.UnicodeScalarView(marker))
        return HCLParseError(
            position: opener, message: "unterminated heredoc; expected closing marker '\(name)' on a line of its own")
    }

    private func isSpaceOrTab(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t"
    }

    private func heredocContent(lines: [Range<Int>], indented: Bool) -> String {
        var strip = 0
        if indented {
            let indents = lines.compactMap { line -> Int? in
                guard let firstText = line.first(where: { !isSpaceOrTab(scalar(at: $0)) }) else { return nil }
                return firstText - line.lowerBound
            }
            strip = indents.min() ?? 0
        }
        var content = String.UnicodeScalarView()
        for line in lines {
            var start = line.lowerBound
            while start < line.upperBound, start - line.lowerBound < strip, isSpaceOrTab(scalar(at: start)) {
                start += 1
            }
            content.append(contentsOf: (start..<line.upperBound).map(scalar(at:)))
            content.append("\n")
        }
        return String(content)
    }
}
