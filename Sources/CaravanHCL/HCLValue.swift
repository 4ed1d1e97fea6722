/// A literal value of an HCL expression, as written in the source.
///
/// The parser understands literal values only: strings, numbers, booleans, `null`, lists and
/// objects. Operators, function calls and variable references are rejected with an
/// "unsupported expression" ``HCLParseError``, except inside string templates, where they are
/// kept as text (see ``string(_:)``).
public indirect enum HCLValue: Sendable, Hashable {
    /// A quoted string or heredoc.
    ///
    /// In quoted strings the escapes `\n \r \t \" \\ \uNNNN \UNNNNNNNN` are decoded; heredocs
    /// take their content literally, as HCL does. Template sequences are never evaluated:
    /// an interpolation `${ ... }` or directive `%{ ... }` is kept verbatim, from the `$` or `%`
    /// up to and including its matching `}`, with any quotes, escapes and braces inside it left
    /// exactly as written. The template escapes `$${` and `%%{` are kept verbatim too (they are
    /// not shortened to `${` / `%{`), so a consumer that later evaluates the template can still
    /// tell an escaped literal from a real interpolation; they never open an interpolation.
    case string(String)
    /// A number literal exactly as written, for example `"42"`, `"-1.5"` or `"1e3"`.
    case number(String)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null
    /// A list `[a, b, c]`, elements in source order.
    case list([HCLValue])
    /// An object `{ key = value, "quoted key" = value, key: value }`, items in source order.
    case object([HCLObjectItem])

    /// The text of a ``string(_:)``, or `nil` for any other kind of value.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The elements of a ``list(_:)``, or `nil` for any other kind of value.
    public var listValue: [HCLValue]? {
        if case .list(let elements) = self { return elements }
        return nil
    }

    /// The items of an ``object(_:)``, or `nil` for any other kind of value.
    public var objectValue: [HCLObjectItem]? {
        if case .object(let items) = self { return items }
        return nil
    }
}

/// One `key = value` (or `key: value`) entry of an object value, with where its key was written.
public struct HCLObjectItem: Sendable, Hashable {
    /// The key: an identifier as written, or a quoted key with its escapes decoded.
    public var key: String
    /// The value after `=` or `:`.
    public var value: HCLValue
    /// The position of the key.
    public var position: HCLPosition

    /// Creates an object item.
    public init(key: String, value: HCLValue, position: HCLPosition) {
        self.key = key
        self.value = value
        self.position = position
    }
}
