import NIOCore
import Synchronization

/// Wakes everyone waiting for "something was decided": live update streams
/// wait on it instead of polling, and each re-reads the in-memory board (no
/// database read per stream).
///
/// A wait is a continuation in a table and, for a timeout, a timer on an event
/// loop: no task per waiter, so ten thousand waiting streams cost ten thousand
/// table entries, not forty thousand tasks.
public final class ChangeSignal: Sendable {
    private struct State {
        var version: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        /// Waits ended (`end`) before they started waiting.
        var ended: Set<UInt64> = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// The current version; pass it to `wait(after:)`.
    public var version: UInt64 { state.withLock { $0.version } }

    /// Wakes every waiter: their waits return `true`.
    public func notify() {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.version &+= 1
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll(keepingCapacity: true)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    /// A ticket for one wait, so it can be ended (`end`) from outside, e.g. on shutdown.
    public func ticket() -> UInt64 {
        state.withLock { state in
            state.nextID &+= 1
            return state.nextID
        }
    }

    /// Ends the wait of `ticket` now (it returns `false`), or at once when it starts.
    public func end(_ ticket: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if let waiter = state.waiters.removeValue(forKey: ticket) { return waiter }
            state.ended.insert(ticket)
            return nil
        }
        waiter?.resume(returning: false)
    }

    /// Returns `true` once the version moves past `version`; `false` after
    /// `timeout` (timed on `loop`), when the task is cancelled or when `ticket` is ended.
    public func wait(after version: UInt64, ticket: UInt64, timeout: TimeAmount, on loop: any EventLoop) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let now = state.withLock { state -> Bool? in
                    if state.version != version { return true }
                    if Task.isCancelled || state.ended.remove(ticket) != nil { return false }
                    state.waiters[ticket] = continuation
                    return nil
                }
                if let now {
                    continuation.resume(returning: now)
                    return
                }
                // The timer outlives an early wake by at most `timeout`; it then finds nothing to end.
                loop.scheduleTask(in: timeout) { [self] in
                    let waiter = state.withLock { $0.waiters.removeValue(forKey: ticket) }
                    waiter?.resume(returning: false)
                }
            }
        } onCancel: {
            end(ticket)
        }
    }
}
