import Synchronization

/// Token buckets keyed by a string (client address, user, token): each key may
/// spend `burst` requests at once and regains `perSecond` per second. Memory is
/// bounded: when the table reaches `maxKeys`, full buckets (the same as absent
/// ones) are dropped, then the least recently used, so a flood of new keys never
/// frees the buckets of the clients that are being limited right now.
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
    /// Share of `maxKeys` evicted at once when only recently used buckets are
    /// left, so a full table is sorted once per that many new keys, not per key.
    static let evictedShare = 0.125
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

    /// The seconds `key` must wait for its next token, without spending one; `nil` while it has one.
    public func wait(_ key: String, now: ContinuousClock.Instant = .now) -> Double? {
        buckets.withLock { table in
            guard let bucket = table[key] else { return nil }
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let tokens = min(rule.burst, bucket.tokens + seconds * rule.perSecond)
            return tokens >= 1 ? nil : (1 - tokens) / rule.perSecond
        }
    }

    /// Drops buckets that have refilled completely (they behave like absent
    /// ones); if the table is still full, the least recently used.
    private func prune(_ table: inout [String: Bucket], now: ContinuousClock.Instant) {
        let refill = Duration.seconds(rule.burst / rule.perSecond)
        table = table.filter { now - $0.value.updated < refill }
        guard table.count >= maxKeys else { return }
        let evicted = max(1, table.count - maxKeys + 1, Int(Double(maxKeys) * Self.evictedShare))
        for (key, _) in table.sorted(by: { $0.value.updated < $1.value.updated }).prefix(evicted) { table[key] = nil }
    }

    /// Buckets held now.
    var count: Int { buckets.withLock { $0.count } }
}

extension RateLimiter {
    /// The key of a client address: an IPv4 address (or an IPv4-mapped IPv6 one)
    /// as the IPv4 address, an IPv6 address by its /64; text that is no address as it is.
    static func clientKey(_ client: String) -> String {
        IPAddress(client)?.rateLimitKey ?? client
    }

    /// The per-address limit (submit, poll, stream, waiting page): throws
    /// `rateLimited` once `client` has spent its burst.
    func admit(client: String) throws(FirstComeError) {
        if let wait = acquire("ip:" + Self.clientKey(client)) { throw FirstComeError.rateLimited(retryAfter: wait) }
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
