import Testing

@testable import FirstCome

@Suite("Rate limiter buckets")
struct RateLimiterTests {
    @Test("a bucket spends its burst, refills at its rate, and parses RATE/BURST")
    func bucket() {
        let limiter = RateLimiter(rule: RateLimiter.Rule(perSecond: 2, burst: 3))
        let start = ContinuousClock.now
        #expect((0..<3).allSatisfy { _ in limiter.acquire("k", now: start) == nil })
        let wait = limiter.acquire("k", now: start)
        #expect(wait != nil && abs(wait! - 0.5) < 0.01)
        #expect(limiter.acquire("k", now: start + .milliseconds(500)) == nil)
        #expect(limiter.acquire("other", now: start) == nil, "keys are independent")
        #expect(RateLimiter.Rule("20/40") == RateLimiter.Rule(perSecond: 20, burst: 40))
        #expect(RateLimiter.Rule("5") == RateLimiter.Rule(perSecond: 5, burst: 10))
        #expect(RateLimiter.Rule("x") == nil && RateLimiter.Rule("0") == nil && RateLimiter.Rule("1/0") == nil)
    }

    @Test("IPv6 clients share a bucket per /64; IPv4 and IPv4-mapped IPv6 are keyed by the IPv4 address")
    func addressKeys() throws {
        #expect(RateLimiter.clientKey("203.0.113.7") == "203.0.113.7")
        #expect(RateLimiter.clientKey("::ffff:203.0.113.7") == "203.0.113.7")
        #expect(RateLimiter.clientKey("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(RateLimiter.clientKey("[2001:db8:1:2:ffff:ffff:ffff:ffff]") == RateLimiter.clientKey("2001:db8:1:2::9"))
        #expect(RateLimiter.clientKey("2001:db8:1:3::1") != RateLimiter.clientKey("2001:db8:1:2::1"))
        #expect(RateLimiter.clientKey("unknown") == "unknown")

        let limiter = RateLimiter(rule: RateLimiter.Rule(perSecond: 0.001, burst: 2))
        try limiter.admit(client: "2001:db8:1:2::1")
        try limiter.admit(client: "2001:db8:1:2::dead:beef")
        #expect(throws: FirstComeError.self, "another address of the same /64 shares the bucket") {
            try limiter.admit(client: "2001:db8:1:2:1234:5678:9abc:def0")
        }
        try limiter.admit(client: "2001:db8:1:3::1")
        try limiter.admit(client: "203.0.113.7")
        try limiter.admit(client: "::ffff:203.0.113.7")
        #expect(throws: FirstComeError.self, "the mapped form is the same client") { try limiter.admit(client: "203.0.113.7") }
        try limiter.admit(client: "203.0.113.8")
    }

    @Test("a full table evicts the least recently used buckets, not all of them")
    func leastRecentlyUsedEviction() {
        let limiter = RateLimiter(rule: RateLimiter.Rule(perSecond: 0.001, burst: 1), maxKeys: 4)
        let start = ContinuousClock.now
        for (index, key) in ["limited", "b", "c", "d"].enumerated() {
            #expect(limiter.acquire(key, now: start + .seconds(index)) == nil)
        }
        // The limited client keeps knocking: its bucket stays the most recent.
        #expect(limiter.acquire("limited", now: start + .seconds(10)) != nil)
        for (index, key) in ["e", "f", "g"].enumerated() {
            #expect(limiter.acquire(key, now: start + .seconds(20 + index)) == nil)
            #expect(limiter.count == 4)
        }
        #expect(limiter.acquire("limited", now: start + .seconds(30)) != nil, "its empty bucket survived the new keys")
        #expect(limiter.acquire("g", now: start + .seconds(30)) != nil, "so did the newest")
        #expect(limiter.acquire("b", now: start + .seconds(30)) == nil, "the oldest went first (a fresh bucket)")
    }
}
