import Dispatch
import Foundation
import ServiceLifecycle
import HTTPTypes
import Logging
import Synchronization

/// A store that can record a batch without suspending, on the calling thread
/// (SQLite: GRDB's writer runs the transaction there).
public protocol BlockingSubmitStore: EntryStore {
    /// `submit(_:now:)`, blocking the calling thread until the batch has committed
    /// and is on the store's board; each entry's token and view are left to
    /// `result(of:)`, so the one committing thread does not make them.
    func submitBlocking(_ batch: [Submission], now: Int64) throws -> [CommittedSubmission]

    /// A committed submission's result (the entry's token and view), made by
    /// whoever reads it.
    func result(of committed: CommittedSubmission) -> SubmitResult
}

/// Group commit: submissions that arrive while a transaction is committing are
/// queued and written together in the next one, which starts as soon as the
/// previous commit ends. Each caller resumes only after its batch has committed.
///
/// A `Service`: batches are written while `run()` runs. With a
/// `BlockingSubmitStore` they are written by a thread of the committer's own,
/// which sleeps while the queue is empty: between two commits nothing waits for
/// a turn on the task pool, and the transaction does not hop to the database's
/// writer and back. Other stores are written from `run()`'s task. On graceful
/// shutdown (or cancellation) it refuses new submissions, commits every queued
/// one, and returns.
public final class GroupCommitter: Service, Sendable {
    private struct Waiter {
        let submission: Submission
        /// Called once, from the committing thread or task, after the commit.
        let answer: @Sendable (SubmitAnswer) -> Void
    }

    private struct State {
        var queue: [Waiter] = []
        /// Submissions of the batch being written (until the next batch is taken).
        var writing = 0
        var draining = false
        var closed = false
        /// Closed, and nothing is left to write: the writer ends.
        var finished: Bool { closed && queue.isEmpty }
    }

    private let store: any EntryStore
    private let maxBatch: Int
    private let clock: @Sendable () -> Int64
    private let logger: Logger
    private let metrics: FirstComeMetrics?
    private let state = Mutex(State())
    /// One signal per drain to start and one on close: a semaphore for the
    /// commit thread, a stream for `run()`'s task.
    private let wakeThread = DispatchSemaphore(value: 0)
    private let wakeTask: AsyncStream<Void>.Continuation
    private let wakeups: AsyncStream<Void>
    /// The commit thread's id, as /proc/self/task names it, while it runs; 0 otherwise.
    let threadID = Atomic<Int32>(0)

    /// - Parameters:
    ///   - maxBatch: most submissions in one transaction, bounding commit latency.
    ///   - clock: milliseconds since 1970, stamped on each batch.
    public init(
        store: any EntryStore, maxBatch: Int = 2048, clock: @escaping @Sendable () -> Int64 = Timestamp.now,
        logger: Logger = Logger(label: "firstcome.commit"), metrics: FirstComeMetrics? = nil
    ) {
        self.metrics = metrics
        self.store = store
        self.maxBatch = max(1, maxBatch)
        self.clock = clock
        self.logger = logger
        (wakeups, wakeTask) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Writes batches until a graceful shutdown or cancellation, then the rest of the queue.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                if let blocking = store as? any BlockingSubmitStore { await writeOnThread(blocking) } else { await writeInTask() }
            } onCancel: {
                self.close()
            }
        } onGracefulShutdown: {
            self.close()
        }
    }

    /// Submissions accepted and not yet answered: queued, or in the batch being written.
    public var pending: Int { state.withLock { $0.queue.count + $0.writing } }

    /// Refuses new submissions; `run()` returns once every queued one has committed.
    public func close() {
        state.withLock { $0.closed = true }
        wake()
    }

    private func wake() {
        if store is any BlockingSubmitStore { wakeThread.signal() } else { wakeTask.yield() }
    }

    /// Records one submission; returns once the transaction holding it has committed.
    public func submit(_ submission: Submission) async throws -> SubmitResult {
        try await withCheckedContinuation { continuation in
            submit(submission) { continuation.resume(returning: $0) }
        }.result().get()
    }

    /// Records one submission and calls `answer` once the transaction holding it
    /// has committed (or with the error), on the committing thread or task: a
    /// caller on an event loop hops back itself, without a task in between, and
    /// reads the answer's `result()` there.
    public func submit(_ submission: Submission, answer: @escaping @Sendable (SubmitAnswer) -> Void) {
        let startDrain = state.withLock { state -> Bool? in
            if state.closed { return nil }
            state.queue.append(Waiter(submission: submission, answer: answer))
            if state.draining { return false }
            state.draining = true
            return true
        }
        switch startDrain {
        case nil: answer(SubmitAnswer(.failure(FirstComeError.shuttingDown)))
        case true?: wake()
        case false?: break
        }
    }

    /// The commit thread: drains at each signal, and ends (resuming `run()`) once finished.
    private func writeOnThread(_ store: any BlockingSubmitStore) async {
        await withCheckedContinuation { (ended: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                CommitThread.nameCurrent()
                self.threadID.store(CommitThread.currentID(), ordering: .relaxed)
                repeat {
                    self.wakeThread.wait()
                    while let batch = self.nextBatch() { self.commitBlocking(batch, store) }
                } while !self.state.withLock(\.finished)
                self.threadID.store(0, ordering: .relaxed)
                ended.resume()
            }
            thread.start()
        }
    }

    private func writeInTask() async {
        for await _ in wakeups {
            while let batch = nextBatch() { await commit(batch) }
            if state.withLock(\.finished) { return }
        }
    }

    /// The next batch, or none (and the drain ends) when the queue is empty.
    private func nextBatch() -> [Waiter]? {
        state.withLock { state -> [Waiter]? in
            let count = min(state.queue.count, maxBatch)
            state.writing = count
            guard count > 0 else {
                state.draining = false
                return nil
            }
            let batch = Array(state.queue.prefix(count))
            state.queue.removeFirst(count)
            return batch
        }
    }

    private func commit(_ batch: [Waiter]) async {
        let start = ContinuousClock.now
        let result: Result<[SubmitAnswer], any Error>
        do {
            result = .success(try await store.submit(batch.map(\.submission), now: clock()).map { SubmitAnswer(.success($0)) })
        } catch {
            result = .failure(error)
        }
        for part in settle(batch, result, since: start) { await commit(part) }
    }

    private func commitBlocking(_ batch: [Waiter], _ store: any BlockingSubmitStore) {
        let start = ContinuousClock.now
        let result = Result { try store.submitBlocking(batch.map(\.submission), now: clock()).map { SubmitAnswer($0, of: store) } }
        for part in settle(batch, result, since: start) { commitBlocking(part, store) }
    }

    /// Answers a batch's waiters from its transaction's result; returns the
    /// parts to write again (the two halves of a batch one submission failed,
    /// so the rest commit in a few batches while the bad one is found).
    private func settle(_ batch: [Waiter], _ result: Result<[SubmitAnswer], any Error>, since start: ContinuousClock.Instant) -> [[Waiter]] {
        switch result {
        case .success(let answers):
            metrics?.recordCommit(batchSize: batch.count, duration: ContinuousClock.now - start)
            for (waiter, answer) in zip(batch, answers) { waiter.answer(answer) }
            return []
        case .failure(let error):
            // Storage faults (busy, disk full, read-only) hit every submission alike:
            // answer them all at once instead of retrying into the same fault.
            if let failure = error as? FirstComeError, failure.isStorageFault {
                logger.warning("storage fault: answered 503", metadata: ["submissions": "\(batch.count)", "error": "\(failure.message)"])
                for waiter in batch { waiter.answer(SubmitAnswer(.failure(failure))) }
                return []
            }
            guard batch.count > 1 else {
                if let failure = error as? FirstComeError, failure.status.code < 500 {
                    logger.notice("submission refused", metadata: ["error": "\(failure.message)"])
                } else {
                    logger.error("submission failed", metadata: ["error": "\(error)"])
                }
                batch[0].answer(SubmitAnswer(.failure(error)))
                return []
            }
            // One bad submission must not fail its neighbours.
            logger.warning("batch failed, retrying it in halves", metadata: ["size": "\(batch.count)", "error": "\(error)"])
            let half = batch.count / 2
            return [Array(batch[..<half]), Array(batch[half...])]
        }
    }
}
