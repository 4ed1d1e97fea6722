/// A condition a test waited for that did not come in time.
public struct TimedOut: Error, CustomStringConvertible {
    public let description: String
}

/// Waits, with a deadline, until `condition` holds; throws ``TimedOut`` naming `what` if it does
/// not. Checks again after each millisecond, so a condition another task makes true is seen.
public func eventually(
    within limit: Duration = .seconds(10), _ what: String, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(description: "timed out waiting until \(what)") }
        try await Task.sleep(for: .milliseconds(1))
    }
}
