import Synchronization

/// Token buckets keyed by a string (client address, user, token): each key may
/// spend `burst` requests at once and regains `perSecond` per second. Memory is
/// bounded: idle full buckets are dropped when the table grows past `maxKeys`.
public final class RateLimiter: Sendable {
    /// Requests per second and burst size of one bucket.
    public struct Rule: Sendable, Equatable {
        public var perSecond: Double
        public var burst: Double

        public init(perSecond: Double, burst: Double) {
            self.perSecond = perSecond
            self.burst = max(1, burst)
        }

        /// Parses `RATE` or `RATE/BURST` (e.g. `20/40`); burst defaults to twice the rate.
        public init?(_ text: String) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let rate = Double(parts[0]), rate > 0, rate.isFinite else { return nil }
            let burst = parts.count == 2 ? Double(parts[1]) : rate * 2
            guard let burst, burst >= 1, burst.isFinite else { return nil }
            self.init(perSecond: rate, burst: burst)
        }
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    public let rule: Rule
    private let maxKeys: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(rule: Rule, maxKeys: Int = 100_000) {
        self.rule = rule
        self.maxKeys = maxKeys
    }

    /// Spends one token of `key`; returns `nil` if allowed, else the seconds to wait.
    public func acquire(_ key: String, now: ContinuousClock.Instant = .now) -> Double? {
        buckets.withLock { table in
            var bucket = table[key] ?? Bucket(tokens: rule.burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(rule.burst, bucket.tokens + seconds * rule.perSecond)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                table[key] = bucket
                return (1 - bucket.tokens) / rule.perSecond
            }
            bucket.tokens -= 1
            if table.count >= maxKeys && table[key] == nil { prune(&table, now: now) }
            table[key] = bucket
            return nil
        }
    }

    /// Drops buckets that have refilled completely (they behave like absent ones).
    private func prune(_ table: inout [String: Bucket], now: ContinuousClock.Instant) {
        let refill = Duration.seconds(rule.burst / rule.perSecond)
        table = table.filter { now - $0.value.updated < refill }
        if table.count >= maxKeys { table.removeAll(keepingCapacity: true) }
    }
}

extension RateLimiter {
    /// The per-address limit (submit, poll, stream, waiting page): throws
    /// `rateLimited` once `client` has spent its burst.
    func admit(client: String) throws(FirstComeError) {
        if let wait = acquire("ip:" + client) { throw FirstComeError.rateLimited(retryAfter: wait) }
    }

    /// The per-token limit (poll, stream).
    func admit(token: String) throws(FirstComeError) {
        if let wait = acquire("token:" + token) { throw FirstComeError.rateLimited(retryAfter: wait) }
    }

    /// The per-user limit on submissions to one event.
    func admit(user: String, event: String) throws(FirstComeError) {
        if let wait = acquire("user:\(event)\n\(user)") { throw FirstComeError.rateLimited(retryAfter: wait) }
    }
}
