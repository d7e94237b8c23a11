/// When a failed delivery is tried again, when it is given up, and which targets
/// may be reached at all.
public struct WebhookPolicy: Sendable {
    /// Wait after the first failure; it doubles with each further one.
    public var firstRetry: Duration = .seconds(1)
    /// The longest wait between two attempts.
    public var longestRetry: Duration = .seconds(600)
    /// A delivery still failing this long after what it reports happened is given up
    /// (an operator can redeliver it).
    public var giveUpAfter: Duration = .seconds(86_400)
    /// One attempt's time limit (connect, send, answer).
    public var attemptTimeout: Duration = .seconds(10)
    /// Whether targets in the operator's own networks (loopback, link-local,
    /// private, unspecified) may be set and delivered to (`--webhook-allow-private`).
    public var allowInternalTargets = false

    public init(giveUpAfter: Duration = .seconds(86_400), allowInternalTargets: Bool = false) {
        self.giveUpAfter = giveUpAfter
        self.allowInternalTargets = allowInternalTargets
    }

    /// Refuses (400) a target whose URL names an internal address, unless allowed.
    func check(_ target: WebhookTarget) throws(FirstComeError) {
        if !allowInternalTargets { try WebhookAddresses.checkWhenSet(target) }
    }

    /// What to record after failed attempt number `attempts` (1 for the first).
    public func afterFailure(_ delivery: WebhookDelivery, error: String, attempts: Int, now: Int64) -> WebhookAttempt {
        let wait = min(Int64(firstRetry.milliseconds) << Int64(min(attempts - 1, 30)), Int64(longestRetry.milliseconds))
        let horizon = delivery.at + Int64(giveUpAfter.milliseconds)
        if now >= horizon { return .gaveUp(error: error, at: now) }
        return .failed(error: error, retryAt: min(now + wait, horizon))
    }
}
