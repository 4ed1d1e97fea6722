/// A set of scalars a character class draws on: explicit ranges, Unicode general categories, or
/// every scalar (`\p{Any}`).
enum ScalarSet: Sendable, Equatable {
    /// Sorted, disjoint, non-adjacent ranges of scalar values.
    case ranges([ClosedRange<UInt32>])
    case categories([Unicode.GeneralCategory])
    case all

    /// `ranges`, sorted and merged so a lookup can binary-search them.
    static func normalized(_ ranges: [ClosedRange<UInt32>]) -> ScalarSet {
        var merged: [ClosedRange<UInt32>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return .ranges(merged)
    }

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        switch self {
        case .all:
            return true
        case .categories(let categories):
            return categories.contains(scalar.properties.generalCategory)
        case .ranges(let ranges):
            var low = 0
            var high = ranges.count
            while low < high {
                let middle = (low + high) / 2
                if ranges[middle].upperBound < scalar.value {
                    low = middle + 1
                } else if ranges[middle].lowerBound > scalar.value {
                    high = middle
                } else {
                    return true
                }
            }
            return false
        }
    }
}

/// One part of a character class: a set, or its complement (`\D`, `[:^alpha:]`, `\PL`).
struct ClassItem: Sendable, Equatable {
    let set: ScalarSet
    let negated: Bool
}

/// A compiled character class (`[a-z\d]`, `[^[:space:]]`, `\w`, `\pL`): a scalar belongs to it when
/// it is in some item, or in none if the class is negated. Under `(?i)` an item holds a scalar when
/// it holds any scalar of the same case-folding orbit; a negated item or class is the complement of
/// the folded set, as in Go.
struct CharacterClass: Sendable, Equatable {
    let items: [ClassItem]
    let negated: Bool
    let foldsCase: Bool

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        let inItem: Bool
        if foldsCase {
            let orbit = CaseFolding.orbit(of: scalar)
            inItem = items.contains { orbit.contains(where: $0.set.contains) != $0.negated }
        } else {
            inItem = items.contains { $0.set.contains(scalar) != $0.negated }
        }
        return inItem != negated
    }
}

/// The named classes of Go's syntax: Perl escapes, POSIX bracket names and Unicode categories.
enum NamedClasses {
    private static func ascii(_ ranges: [(Character, Character)]) -> ScalarSet {
        .normalized(ranges.map { $0.0.unicodeScalars.first!.value...$0.1.unicodeScalars.first!.value })
    }

    private static let digits = ascii([("0", "9")])
    private static let whitespace = ascii([("\t", "\n"), ("\u{0C}", "\r"), (" ", " ")])
    private static let wordCharacters = ascii([("0", "9"), ("A", "Z"), ("a", "z"), ("_", "_")])

    /// `\d \D \s \S \w \W`, ASCII-only as in Go.
    static func perl(_ letter: Unicode.Scalar) -> ClassItem? {
        switch letter {
        case "d": ClassItem(set: digits, negated: false)
        case "D": ClassItem(set: digits, negated: true)
        case "s": ClassItem(set: whitespace, negated: false)
        case "S": ClassItem(set: whitespace, negated: true)
        case "w": ClassItem(set: wordCharacters, negated: false)
        case "W": ClassItem(set: wordCharacters, negated: true)
        default: nil
        }
    }

    /// Whether `scalar` is an ASCII word character, the test behind `\b` and `\B`.
    static func isWordCharacter(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return wordCharacters.contains(scalar)
    }

    /// The ASCII classes usable as `[:name:]` (or `[:^name:]`) inside brackets.
    static func posix(_ name: String) -> ClassItem? {
        let negated = name.hasPrefix("^")
        let set: ScalarSet
        switch negated ? String(name.dropFirst()) : name {
        case "alnum": set = ascii([("0", "9"), ("A", "Z"), ("a", "z")])
        case "alpha": set = ascii([("A", "Z"), ("a", "z")])
        case "ascii": set = ascii([("\u{0}", "\u{7F}")])
        case "blank": set = ascii([("\t", "\t"), (" ", " ")])
        case "cntrl": set = ascii([("\u{0}", "\u{1F}"), ("\u{7F}", "\u{7F}")])
        case "digit": set = digits
        case "graph": set = ascii([("!", "~")])
        case "lower": set = ascii([("a", "z")])
        case "print": set = ascii([(" ", "~")])
        case "punct": set = ascii([("!", "/"), (":", "@"), ("[", "`"), ("{", "~")])
        case "space": set = ascii([("\t", "\r"), (" ", " ")])
        case "upper": set = ascii([("A", "Z")])
        case "word": set = wordCharacters
        case "xdigit": set = ascii([("0", "9"), ("A", "F"), ("a", "f")])
        default: return nil
        }
        return ClassItem(set: set, negated: negated)
    }

    /// `\p{Name}`: `Any` and the general categories Go knows (`L`, `Lu`, …; `C` leaves out unassigned).
    static func unicode(_ name: String) -> ScalarSet? {
        if name == "Any" { return .all }
        let categories: [Unicode.GeneralCategory]
        switch name {
        case "L": categories = [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter]
        case "Lu": categories = [.uppercaseLetter]
        case "Ll": categories = [.lowercaseLetter]
        case "Lt": categories = [.titlecaseLetter]
        case "Lm": categories = [.modifierLetter]
        case "Lo": categories = [.otherLetter]
        case "M": categories = [.nonspacingMark, .spacingMark, .enclosingMark]
        case "Mn": categories = [.nonspacingMark]
        case "Mc": categories = [.spacingMark]
        case "Me": categories = [.enclosingMark]
        case "N": categories = [.decimalNumber, .letterNumber, .otherNumber]
        case "Nd": categories = [.decimalNumber]
        case "Nl": categories = [.letterNumber]
        case "No": categories = [.otherNumber]
        case "P":
            categories = [
                .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                .initialPunctuation, .finalPunctuation, .otherPunctuation,
            ]
        case "Pc": categories = [.connectorPunctuation]
        case "Pd": categories = [.dashPunctuation]
        case "Ps": categories = [.openPunctuation]
        case "Pe": categories = [.closePunctuation]
        case "Pi": categories = [.initialPunctuation]
        case "Pf": categories = [.finalPunctuation]
        case "Po": categories = [.otherPunctuation]
        case "S": categories = [.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol]
        case "Sm": categories = [.mathSymbol]
        case "Sc": categories = [.currencySymbol]
        case "Sk": categories = [.modifierSymbol]
        case "So": categories = [.otherSymbol]
        case "Z": categories = [.spaceSeparator, .lineSeparator, .paragraphSeparator]
        case "Zs": categories = [.spaceSeparator]
        case "Zl": categories = [.lineSeparator]
        case "Zp": categories = [.paragraphSeparator]
        case "C": categories = [.control, .format, .surrogate, .privateUse]
        case "Cc": categories = [.control]
        case "Cf": categories = [.format]
        case "Cs": categories = [.surrogate]
        case "Co": categories = [.privateUse]
        default: return nil
        }
        return .categories(categories)
    }
}
