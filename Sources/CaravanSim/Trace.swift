import Crypto

/// The run's events, one line each: kept when `--trace` asks for them, always folded into a
/// SHA-256 digest, so two runs can be compared byte for byte.
struct Trace {
    private var hasher = SHA256()
    let keepsLines: Bool
    private(set) var lines: [String] = []

    init(keepsLines: Bool) { self.keepsLines = keepsLines }

    mutating func record(_ line: String) {
        hasher.update(data: Array((line + "\n").utf8))
        if keepsLines { lines.append(line) }
    }

    var digest: String { hasher.finalize().map { String(format2: $0) }.joined() }
}

extension String {
    /// Two lowercase hex digits.
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
