import Foundation
import Synchronization
import Testing

/// Runs each test of a suite on a thread of its own instead of Swift's cooperative pool.
///
/// The pool has one thread per core, two on the machines this suite runs on, and the tests run
/// in parallel on it. A test that computes for a minute without suspending (a simulation sweep, a
/// property test over thousands of commands) holds one of the two; two such tests starve every
/// other test's tasks, and a test waiting with a deadline for a request to arrive then times out
/// though nothing is wrong. Give `.ownThread` to suites whose tests compute for long without
/// suspending: their work then shares the cores through the kernel's scheduler, and the pool stays
/// free for the tests that wait.
public struct OwnThreadTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard testCase != nil else { return try await function() }
        let executor = ThreadExecutor(name: test.name)
        defer { executor.stop() }
        try await withTaskExecutorPreference(executor) { try await function() }
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
