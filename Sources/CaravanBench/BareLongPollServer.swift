import ArgumentParser
import Hummingbird
import Logging
import Synchronization

/// The peer for `parked-queries`: the smallest Hummingbird long-poll server — one counter, a
/// waiter per request racing a sleep — so that Caravan's figures can be read against what the
/// HTTP stack itself costs. Routes: `GET /wait?index=N`, `PUT /bump`, `GET /parked`.
struct BareLongPollServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bare-server", abstract: "A bare Hummingbird long-poll server (the peer for parked-queries)."
    )

    @Option var port = 46461
    @Option(help: "Bytes of padding in each answer, to match the size of the server it is compared with.")
    var bodyBytes = 0

    func run() async throws {
        let counter = VersionCounter()
        let router = Router()
        let padding = String(repeating: " ", count: bodyBytes)
        router.get("/wait") { request, _ -> String in
            let index = request.uri.queryParameters["index"].flatMap { UInt64(String($0)) } ?? 0
            return String(await counter.wait(after: index, timeout: .seconds(300))) + padding
        }
        router.put("/bump") { _, _ -> String in String(counter.bump()) }
        router.get("/parked") { _, _ -> String in String(counter.parked) }
        var logger = Logger(label: "bare")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), backlog: 4096), logger: logger)
        try await app.runService()
    }
}

/// A version number that requests wait on (the pattern of a plain long-poll server).
final class VersionCounter: Sendable {
    private struct State {
        var version: UInt64 = 1
        var nextID = 0
        var waiters: [Int: CheckedContinuation<UInt64, Never>] = [:]
    }

    private let state = Mutex(State())

    var parked: Int { state.withLock { $0.waiters.count } }

    func bump() -> UInt64 {
        let (version, waiters) = state.withLock { state in
            state.version += 1
            defer { state.waiters = [:] }
            return (state.version, Array(state.waiters.values))
        }
        for waiter in waiters { waiter.resume(returning: version) }
        return version
    }

    func wait(after index: UInt64, timeout: Duration) async -> UInt64 {
        await withTaskGroup(of: UInt64?.self) { group in
            group.addTask { await self.waitForChange(after: index) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next()!
            group.cancelAll()
            return first ?? self.state.withLock { $0.version }
        }
    }

    private func waitForChange(after index: UInt64) async -> UInt64 {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: UInt64? = state.withLock { state in
                    if state.version > index || Task.isCancelled { return state.version }
                    state.waiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let (waiter, version) = state.withLock { ($0.waiters.removeValue(forKey: id), $0.version) }
            waiter?.resume(returning: version)
        }
    }
}
