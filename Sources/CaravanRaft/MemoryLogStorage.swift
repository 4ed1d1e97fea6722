/// An in-memory ``LogStorage``.
public struct MemoryLogStorage: LogStorage {
    private var stored: [LogEntry] = []
    public private(set) var firstIndex: UInt64 = 1

    public init() {}

    public var lastIndex: UInt64 { firstIndex + UInt64(stored.count) - 1 }

    public func entries(from: UInt64, to: UInt64) throws(LogError) -> [LogEntry] {
        guard from >= firstIndex else { throw .compacted(from) }
        guard to <= lastIndex else { throw .unavailable(to) }
        guard from <= to else { return [] }
        return Array(stored[Int(from - firstIndex)...Int(to - firstIndex)])
    }

    public mutating func append(_ entries: [LogEntry]) throws(LogError) {
        guard let first = entries.first else { return }
        guard first.index == lastIndex + 1 else { throw .gap(expected: lastIndex + 1, got: first.index) }
        stored.append(contentsOf: entries)
    }

    public mutating func truncate(after index: UInt64) throws(LogError) {
        guard index < lastIndex else { return }
        guard index + 1 >= firstIndex else { throw .compacted(index + 1) }
        stored.removeLast(Int(lastIndex - index))
    }

    public mutating func reset(after index: UInt64) throws(LogError) {
        stored = []
        firstIndex = index + 1
    }

    public mutating func compact(through index: UInt64) throws(LogError) {
        let count = Int(min(index + 1, lastIndex + 1) - min(firstIndex, index + 1))
        guard count > 0 else { return }
        stored.removeFirst(count)
        firstIndex += UInt64(count)
    }
}
