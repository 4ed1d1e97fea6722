import Crypto

/// The SHA-256 of a token's secret, the key under which the state finds a token by its secret.
///
/// Looking a secret up by its digest, then comparing the stored secret in constant time, keeps
/// the time a lookup takes independent of how much of a guessed secret matches a real one: a
/// dictionary keyed by the secret itself would compare the guess byte by byte with stored keys.
struct SecretDigest: Hashable, Sendable {
    private let high: UInt64
    private let middle: UInt64
    private let low: UInt64
    private let last: UInt64

    init(_ secret: String) {
        // The digest's bytes as four words, in the machine's byte order: they are only compared
        // and hashed in memory, never written to a log or a snapshot, so the order does not matter.
        (high, middle, low, last) = SHA256.hash(data: Array(secret.utf8)).withUnsafeBytes { bytes in
            (
                bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }
    }

    /// Whether two secrets are equal, in time that depends only on their lengths.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for position in x.indices { difference |= x[position] ^ y[position] }
        return difference == 0
    }
}
