import Logging
import ServiceLifecycle

/// Makes due draws and decides waiting entries every tick, event by event, in place order.
///
/// Only the node holding the scheduler lease decides (always the one process on
/// SQLite); each tick renews it for `leaseTicks` ticks (at least
/// `minimumLease`), so when that node dies another takes over within that time
/// plus one tick. `admit_per_tick` is per event, whatever the number of nodes.
///
/// Each event is handled in its own transactions, at most `chunk` entries per
/// transaction while prizes are left, round-robin across events, so a huge event
/// delays a small one by a few milliseconds at most, never by a tick, and the
/// submissions that arrive meanwhile wait for one chunk's transaction on the
/// writer, not for a tick's worth of winners. The step that gives an event's
/// last prize decides the rest of its line with it (losers are not written one
/// by one, so that step costs no more).
public struct AwardScheduler: Service {
    let store: any EntryStore
    let interval: Duration
    let chunk: Int64
    let clock: @Sendable () -> Int64
    let logger: Logger
    let metrics: FirstComeMetrics?
    /// Whether this process held the lease at its last renewal.
    public let lease = LeaseStatus()

    public init(
        store: any EntryStore, interval: Duration = .seconds(1), chunk: Int64 = 512,
        clock: @escaping @Sendable () -> Int64 = Timestamp.now, logger: Logger = Logger(label: "firstcome.scheduler"),
        metrics: FirstComeMetrics? = nil
    ) {
        self.metrics = metrics
        self.store = store
        self.interval = interval
        self.chunk = max(1, chunk)
        self.clock = clock
        self.logger = logger
    }

    /// Ticks a lease lasts without renewal.
    public static let leaseTicks = 5
    /// The shortest lease, so a short tick does not make it expire between two
    /// renewals that a busy database delays.
    public static let minimumLease: Duration = .seconds(2)

    /// How long one renewal of the lease lasts.
    public var leaseDuration: Duration { max(interval * Self.leaseTicks, Self.minimumLease) }

    public func run() async throws {
        let clock = ContinuousClock()
        var next = clock.now
        var presenceWritten = clock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                _ = try await tick()
            } catch {
                // One failed tick must not stop the service group; the next tick retries.
                logger.error("award tick failed", metadata: ["error": "\(error)"])
            }
            if clock.now - presenceWritten >= Self.presenceInterval {
                await persistPresence()
                presenceWritten = clock.now
            }
            next = next.advanced(by: interval)
            if next < clock.now { next = clock.now }
            let deadline = next
            try? await cancelWhenGracefulShutdown { try await Task.sleep(until: deadline, clock: clock) }
        }
        await persistPresence()
    }

    /// How often entrants' presence is written down (coarsely, for restarts).
    static let presenceInterval: Duration = .seconds(5)

    private func persistPresence() async {
        do {
            try await store.persistPresence()
        } catch {
            logger.warning("writing presence failed", metadata: ["error": "\(error)"])
        }
    }

    /// Runs one tick now: every event with waiting entries gets up to its
    /// `admit_per_tick` decisions (all of them without a limit).
    @discardableResult
    public func tick() async throws -> [AwardStep] {
        let start = ContinuousClock.now
        defer { metrics?.recordTick(ContinuousClock.now - start) }
        let held: Bool
        do {
            held = try await store.holdSchedulerLease(for: leaseDuration)
        } catch {
            lease.renewed(for: nil)
            throw error
        }
        lease.renewed(for: held ? leaseDuration : nil)
        guard held else { return [] }
        do {
            let started = ContinuousClock.now
            let drawn = try await store.makeDueDraws(now: clock())
            if !drawn.isEmpty {
                logger.info("draw made", metadata: ["events": "\(drawn.joined(separator: ","))", "ms": "\((ContinuousClock.now - started).milliseconds)"])
            }
        } catch {
            // A failed draw is tried again next tick; deciding other events goes on.
            logger.error("draw failed", metadata: ["error": "\(error)"])
        }
        var quotas: [String: Int64] = [:]
        var order: [String] = []
        for event in try await store.eventsWithWaitingEntries() {
            quotas[event.id] = event.mode == .direct ? Int64.max : (event.admitPerTick ?? Int64.max)
            order.append(event.id)
        }
        var steps: [AwardStep] = []
        while !order.isEmpty {
            var again: [String] = []
            for id in order {
                let quota = quotas[id] ?? 0
                let step: AwardStep
                do {
                    step = try await store.award(event: id, limit: min(quota, chunk), now: self.clock())
                } catch {
                    logger.error("award failed", metadata: ["event": "\(id)", "error": "\(error)"])
                    continue
                }
                steps.append(step)
                if !step.expired.isEmpty { metrics?.recordExpired(event: id, count: step.expired.count) }
                // Expired entries are skipped, not admitted: they do not use up the tick's quota.
                let decided = step.decided.map { Int64($0.count) } ?? 0
                let admitted = decided - Int64(step.expired.count)
                quotas[id] = quota - admitted
                if decided > 0, quota - admitted > 0, step.stillWaiting > 0 { again.append(id) }
            }
            order = again
        }
        return steps
    }
}
