/// When a failed delivery is tried again, and when it is given up.
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

    public init(giveUpAfter: Duration = .seconds(86_400)) {
        self.giveUpAfter = giveUpAfter
    }

    /// What to record after failed attempt number `attempts` (1 for the first).
    public func afterFailure(_ delivery: WebhookDelivery, error: String, attempts: Int, now: Int64) -> WebhookAttempt {
        let wait = min(Int64(firstRetry.milliseconds) << Int64(min(attempts - 1, 30)), Int64(longestRetry.milliseconds))
        let horizon = delivery.at + Int64(giveUpAfter.milliseconds)
        if now >= horizon { return .gaveUp(error: error, at: now) }
        return .failed(error: error, retryAt: min(now + wait, horizon))
    }
}
