import Synchronization

/// Whether this process holds the scheduler lease, as the scheduler last learnt
/// it: other leader-only work (webhook delivery) asks here instead of renewing
/// the lease a second time.
public final class LeaseStatus: Sendable {
    private let heldUntil = Mutex<ContinuousClock.Instant?>(nil)

    public init() {}

    /// The scheduler renewed the lease for `duration` (or failed to: `nil`). It
    /// counts as held for half of that, so it is given up here well before the
    /// database lets another node take it.
    func renewed(for duration: Duration?) {
        heldUntil.withLock { $0 = duration.map { ContinuousClock.now + $0 / 2 } }
    }

    /// True while the last renewal is recent enough.
    public var isHeld: Bool {
        heldUntil.withLock { until in until.map { ContinuousClock.now < $0 } ?? false }
    }
}
