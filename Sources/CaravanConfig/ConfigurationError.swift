public import CaravanHCL

/// Why an agent's configuration was refused: the file and the place in it when one is to blame
/// (a syntax error, an unknown key, a value of the wrong type), or only a message when the
/// settings disagree with each other once the files and the flags are merged.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file as it was named, or `nil` for a disagreement between settings.
    public var file: String?
    /// Where in ``file``; `nil` when the file as a whole is to blame (it cannot be read).
    public var position: HCLPosition?
    /// What is wrong, without the place.
    public var message: String

    public init(file: String? = nil, position: HCLPosition? = nil, message: String) {
        self.file = file
        self.position = position
        self.message = message
    }

    /// `FILE:LINE:COLUMN: message`, as compilers write it, or as much of the place as is known.
    public var description: String {
        switch (file, position) {
        case (let file?, let position?): "\(file):\(position.line):\(position.column): \(message)"
        case (let file?, nil): "\(file): \(message)"
        default: message
        }
    }
}
