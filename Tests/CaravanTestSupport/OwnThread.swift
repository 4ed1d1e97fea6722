import Foundation
import Synchronization
import Testing

/// Runs each test of a suite on a thread of its own instead of Swift's cooperative pool, one
/// such test at a time.
///
/// The pool has one thread per core, two on the machines this suite runs on, and the tests run
/// in parallel on it. A test that computes for a minute without suspending (a simulation sweep, a
/// property test over thousands of commands) holds one of the two; two such tests starve every
/// other test's tasks, and a test waiting with a deadline for a request to arrive then times out
/// though nothing is wrong. Give `.ownThread` to suites whose tests compute for long without
/// suspending: they then take turns on one thread beside the pool, which stays free for the tests
/// that wait, and the agents the acceptance tests start keep a core's share.
public struct OwnThreadTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard testCase != nil else { return try await function() }
        await Self.turns.take()
        let executor = ThreadExecutor(name: test.name)
        defer {
            executor.stop()
            Self.turns.give()
        }
        try await withTaskExecutorPreference(executor) { try await function() }
    }

    /// Whose turn it is among the tests that run on their own thread.
    static let turns = Turns()
}

/// One turn at a time, handed to those who wait in the order they came.
final class Turns: Sendable {
    private struct State {
        var taken = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Waits until the turn is free, and takes it.
    func take() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                if state.taken {
                    state.waiting.append(continuation)
                    return false
                }
                state.taken = true
                return true
            }
            if now { continuation.resume() }
        }
    }

    /// Hands the turn to the next waiting, or frees it.
    func give() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.taken = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}

extension Trait where Self == OwnThreadTrait {
    /// Runs each test of the suite on a thread of its own (``OwnThreadTrait``).
    public static var ownThread: Self { OwnThreadTrait() }
}

/// A task executor with one thread that runs the jobs enqueued on it in order. Once stopped, its
/// thread ends and jobs enqueued later (an unstructured task that outlived its test) run on the
/// global executor.
final class ThreadExecutor: TaskExecutor, Sendable {
    private struct Queue {
        var jobs: [UnownedJob] = []
        var stopped = false
    }

    private let queue = Mutex(Queue())
    /// Signalled once per job enqueued, and once to stop.
    private let signals = DispatchSemaphore(value: 0)

    init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let stopped = queue.withLock { queue in
            if !queue.stopped { queue.jobs.append(job) }
            return queue.stopped
        }
        if stopped {
            globalConcurrentExecutor.enqueue(job)
        } else {
            signals.signal()
        }
    }

    /// Ends the thread once the jobs enqueued so far have run.
    func stop() {
        queue.withLock { $0.stopped = true }
        signals.signal()
    }

    private func run() {
        while true {
            signals.wait()
            let (job, stopped) = queue.withLock { queue in
                (queue.jobs.isEmpty ? nil : queue.jobs.removeFirst(), queue.stopped)
            }
            if let job {
                job.runSynchronously(on: asUnownedTaskExecutor())
            } else if stopped {
                return
            }
        }
    }
}
