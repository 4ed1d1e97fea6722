/// Simple (one scalar to one scalar) Unicode case folding for `(?i)`, built from the standard
/// library's case mappings. Scalars that fold together form an orbit (`k`, `K` and the Kelvin sign
/// `K`; `s`, `S` and `ſ`); two scalars match case-insensitively when they share an orbit.
enum CaseFolding {
    /// The orbit's representative: the lowercase of the uppercase, when each mapping is a single
    /// scalar. Dotless `ı` is left alone, as in Unicode's simple folding, which keeps it apart from `i`.
    static func canonical(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII {
            return ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar
        }
        return foldTable.canonicalOf[scalar.value].flatMap(Unicode.Scalar.init) ?? scalar
    }

    /// Every scalar in `scalar`'s orbit, `scalar` included.
    static func orbit(of scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        let key = canonical(scalar).value
        guard let members = foldTable.orbits[key] else { return [scalar] }
        return members.compactMap(Unicode.Scalar.init)
    }

    /// Each cased scalar's representative, and each representative's orbit.
    private struct FoldTable: Sendable {
        var canonicalOf: [UInt32: UInt32] = [:]
        var orbits: [UInt32: [UInt32]] = [:]
    }

    /// Built once, from every cased scalar below U+20000 (no cased scalar lies above).
    private static let foldTable: FoldTable = {
        var table = FoldTable()
        for value in UInt32(0)..<0x20000 {
            guard let scalar = Unicode.Scalar(value), scalar.properties.changesWhenCaseMapped else { continue }
            let key = mappedCanonical(scalar)
            guard key != scalar else { continue }
            table.canonicalOf[value] = key.value
            table.orbits[key.value, default: [key.value]].append(value)
        }
        return table
    }()

    private static func mappedCanonical(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar == "\u{131}" { return scalar }
        let upper = single(scalar.properties.uppercaseMapping) ?? scalar
        return single(upper.properties.lowercaseMapping) ?? single(scalar.properties.lowercaseMapping) ?? scalar
    }

    private static func single(_ mapping: String) -> Unicode.Scalar? {
        let scalars = mapping.unicodeScalars
        return scalars.count == 1 ? scalars.first : nil
    }
}
