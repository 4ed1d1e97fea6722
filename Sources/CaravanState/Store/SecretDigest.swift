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
        var words: [UInt64] = [0, 0, 0, 0]
        for (position, byte) in SHA256.hash(data: Array(secret.utf8)).enumerated() {
            words[position / 8] = words[position / 8] << 8 | UInt64(byte)
        }
        high = words[0]
        middle = words[1]
        low = words[2]
        last = words[3]
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
