import Synchronization

/// Encoded JSON of list entries, reused until the object changes.
///
/// An object's `ModifyIndex` names its version, so bytes cached under (ID, ModifyIndex) stay
/// valid until the object is written again. A 10,000-plugin list after one write re-encodes one
/// entry and copies the other 9,999.
public final class EncodedViewCache: Sendable {
    private struct Entry {
        let modifyIndex: UInt64
        let bytes: [UInt8]
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    /// Writes a JSON array of the entries for `items` (ID, ModifyIndex), encoding with `encode` (given
    /// the item's position) only the entries not cached at that version. When `items` is the whole table, entries of
    /// deleted objects are dropped once they make up half the cache.
    public func array(
        of items: [(id: String, modifyIndex: UInt64)],
        wholeTable: Bool,
        encode: (Int) -> [UInt8]
    ) -> [UInt8] {
        var cached: [[UInt8]?] = entries.withLock { entries in
            items.map { item in entries[item.id].flatMap { $0.modifyIndex == item.modifyIndex ? $0.bytes : nil } }
        }
        var fresh: [(String, Entry)] = []
        for (position, item) in items.enumerated() where cached[position] == nil {
            let bytes = encode(position)
            cached[position] = bytes
            fresh.append((item.id, Entry(modifyIndex: item.modifyIndex, bytes: bytes)))
        }
        if !fresh.isEmpty {
            entries.withLock { entries in
                for (id, entry) in fresh { entries[id] = entry }
                if wholeTable, entries.count > 2 * items.count + 1024 {
                    let live = Set(items.map(\.id))
                    entries = entries.filter { live.contains($0.key) }
                }
            }
        }
        var size = 2
        for bytes in cached { size += bytes!.count + 1 }
        var out: [UInt8] = []
        out.reserveCapacity(size)
        out.append(UInt8(ascii: "["))
        for (position, bytes) in cached.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: bytes!)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}
