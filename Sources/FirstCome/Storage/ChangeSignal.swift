import NIOCore
import Synchronization

/// Wakes everyone waiting for "something was decided": live update streams
/// wait on it instead of polling, and each re-reads the in-memory board (no
/// database read per stream).
///
/// A wait is a callback (a continuation, for `wait`) and a deadline in a table: no task and no timer per
/// waiter. One sweep on an event loop, scheduled only while someone waits, ends
/// the waits whose deadline has passed; so ten thousand streams woken twenty
/// times a second leave no timers behind (a timer per wait, left to run out
/// after an early wake, piled up to hundreds per stream).
public final class ChangeSignal: Sendable {
    /// How often waits past their deadline are looked for: the precision of a timeout.
    public static let sweepInterval = TimeAmount.milliseconds(100)

    private struct Waiter {
        let resume: @Sendable (Bool) -> Void
        let deadline: NIODeadline
    }

    private struct State {
        var version: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        /// Waits ended (`end`) before they started waiting.
        var ended: Set<UInt64> = []
        var nextID: UInt64 = 0
        /// Whether a sweep is scheduled (never more than one).
        var sweeping = false
    }

    private let state = Mutex(State())

    public init() {}

    /// The current version; pass it to `wait(after:)`.
    public var version: UInt64 { state.withLock { $0.version } }

    /// Waits now in the table.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// Whether the wait of `ticket` is in the table now.
    public func isWaiting(_ ticket: UInt64) -> Bool { state.withLock { $0.waiters[ticket] != nil } }

    /// Whether a sweep is scheduled; false once nobody waits.
    public var sweepScheduled: Bool { state.withLock { $0.sweeping } }

    /// Wakes every waiter: their waits return `true`.
    public func notify() {
        let waiters = state.withLock { state -> [Waiter] in
            state.version &+= 1
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll(keepingCapacity: true)
            return waiters
        }
        for waiter in waiters { waiter.resume(true) }
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
        let waiter = state.withLock { state -> Waiter? in
            if let waiter = state.waiters.removeValue(forKey: ticket) { return waiter }
            state.ended.insert(ticket)
            return nil
        }
        waiter?.resume(false)
    }

    /// Returns `true` once the version moves past `version`; `false` after
    /// `timeout` (give or take `sweepInterval`, swept on `loop`), when the task
    /// is cancelled or when `ticket` is ended.
    public func wait(after version: UInt64, ticket: UInt64, timeout: TimeAmount, on loop: any EventLoop) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                watch(after: version, ticket: ticket, timeout: timeout, on: loop, cancelled: Task.isCancelled) {
                    continuation.resume(returning: $0)
                }
            }
        } onCancel: {
            end(ticket)
        }
    }

    /// The same wait without a task: `resume` is called once, with `true` when the
    /// version moves past `version`, `false` after `timeout` or when `ticket` is
    /// ended (or at once when `cancelled`). It runs on whichever thread notifies,
    /// ends or sweeps.
    public func watch(
        after version: UInt64, ticket: UInt64, timeout: TimeAmount, on loop: any EventLoop, cancelled: Bool = false,
        resume: @escaping @Sendable (Bool) -> Void
    ) {
        let deadline = NIODeadline.now() + timeout
        let (now, sweep) = state.withLock { state -> (Bool?, Bool) in
            if state.version != version { return (true, false) }
            if cancelled || state.ended.remove(ticket) != nil { return (false, false) }
            state.waiters[ticket] = Waiter(resume: resume, deadline: deadline)
            if state.sweeping { return (nil, false) }
            state.sweeping = true
            return (nil, true)
        }
        if let now {
            resume(now)
            return
        }
        if sweep { scheduleSweep(on: loop) }
    }

    /// Ends the waits past their deadline, and comes again while anyone waits.
    private func scheduleSweep(on loop: any EventLoop) {
        loop.scheduleTask(in: Self.sweepInterval) { [self] in
            let now = NIODeadline.now()
            let (expired, again) = state.withLock { state -> ([Waiter], Bool) in
                let due = state.waiters.compactMap { $0.value.deadline <= now ? $0.key : nil }
                let expired = due.compactMap { state.waiters.removeValue(forKey: $0) }
                state.sweeping = !state.waiters.isEmpty
                return (expired, state.sweeping)
            }
            for waiter in expired { waiter.resume(false) }
            if again { scheduleSweep(on: loop) }
        }
    }
}
