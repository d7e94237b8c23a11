import Logging
import Synchronization

/// Group commit: submissions that arrive while a transaction is committing are
/// queued and written together in the next one, which starts as soon as the
/// previous commit ends. Each caller resumes only after its batch has committed.
public final class GroupCommitter: Sendable {
    private struct Waiter {
        let submission: Submission
        let continuation: CheckedContinuation<SubmitResult, any Error>
    }

    private struct State {
        var queue: [Waiter] = []
        var draining = false
        var closed = false
    }

    private let store: any EntryStore
    private let maxBatch: Int
    private let clock: @Sendable () -> Int64
    private let logger: Logger
    private let metrics: FirstComeMetrics?
    private let state = Mutex(State())

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
    }

    /// Records one submission; returns once the transaction holding it has committed.
    public func submit(_ submission: Submission) async throws -> SubmitResult {
        try await withCheckedThrowingContinuation { continuation in
            let startDrain = state.withLock { state -> Bool? in
                if state.closed { return nil }
                state.queue.append(Waiter(submission: submission, continuation: continuation))
                if state.draining { return false }
                state.draining = true
                return true
            }
            switch startDrain {
            case nil: continuation.resume(throwing: FirstComeError.shuttingDown)
            case true?: Task { await self.drain() }
            case false?: break
            }
        }
    }

    /// Refuses new submissions and waits until every queued one has committed.
    public func close() async {
        state.withLock { $0.closed = true }
        while state.withLock({ $0.draining }) {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Waiter] in
                let count = min(state.queue.count, maxBatch)
                let batch = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            await commit(batch)
        }
    }

    private func commit(_ batch: [Waiter]) async {
        do {
            let start = ContinuousClock.now
            let results = try await store.submit(batch.map(\.submission), now: clock())
            metrics?.recordCommit(batchSize: batch.count, duration: ContinuousClock.now - start)
            for (waiter, result) in zip(batch, results) { waiter.continuation.resume(returning: result) }
        } catch {
            // Storage faults (busy, disk full, read-only) hit every submission alike:
            // answer them all at once instead of retrying into the same fault.
            if let failure = error as? FirstComeError, failure.isStorageFault || batch.count == 1 {
                if failure.isStorageFault {
                    logger.warning("storage fault: answered 503", metadata: ["submissions": "\(batch.count)", "error": "\(failure.message)"])
                } else {
                    logger.error("submission failed", metadata: ["error": "\(error)"])
                }
                for waiter in batch { waiter.continuation.resume(throwing: failure) }
                return
            }
            guard batch.count > 1 else {
                logger.error("submission failed", metadata: ["error": "\(error)"])
                batch[0].continuation.resume(throwing: error)
                return
            }
            // One bad submission must not fail its neighbours: retry each alone.
            logger.warning("batch failed, retrying one by one", metadata: ["size": "\(batch.count)", "error": "\(error)"])
            for waiter in batch { await commit([waiter]) }
        }
    }
}
