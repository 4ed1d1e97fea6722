extension RandomAccessCollection {
    /// The elements from the first that `isAtOrPast` holds for, found by binary search: the
    /// collection must be sorted so that it holds for a suffix of it.
    public func suffix(from isAtOrPast: (Element) -> Bool) -> SubSequence {
        var low = startIndex
        var high = endIndex
        while low < high {
            let middle = index(low, offsetBy: distance(from: low, to: high) / 2)
            if isAtOrPast(self[middle]) { high = middle } else { low = index(after: middle) }
        }
        return self[low...]
    }
}
