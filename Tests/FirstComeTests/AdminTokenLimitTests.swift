import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import FirstCome

/// Guessing the admin token: wrong tries are limited per client address and
/// logged at warning, one line per address per interval.
@Suite("Admin token guessing")
struct AdminTokenLimitTests {
    @Test("after 10 wrong tokens an address gets 429 rate_limited with Retry-After, the right token too; other addresses are unaffected")
    func wrongTokensAreLimited() async throws {
        // No try comes back during the test (the refill is checked on a test clock below).
        let configure: (inout AppSettings) -> Void = { settings in
            settings.trustedProxies = ["127.0.0.1"]
            settings.adminTokenFailures = RateLimiter.Rule(perSecond: 0.001, burst: TokenFailureLimit.adminBurst)
        }
        try await withLiveApp(configure: configure) { client, _ in
            let guesser: HTTPFields = [.xForwardedFor: "203.0.113.9"]
            func list(token: String, from headers: HTTPFields) async throws -> (status: HTTPResponse.Status, json: [String: Any], response: TestResponse) {
                var headers = headers
                headers[.authorization] = "Bearer \(token)"
                return try await client.json(.get, "/v1/events", headers: headers)
            }
            for attempt in 1...Int(TokenFailureLimit.adminBurst) {
                let wrong = try await list(token: "guess-\(attempt)", from: guesser)
                #expect(wrong.status == .unauthorized, "attempt \(attempt)")
            }
            let limited = try await list(token: "guess-11", from: guesser)
            #expect(limited.status == .tooManyRequests && errorCode(limited.json) == "rate_limited")
            #expect(limited.response.headers[.retryAfter] != nil)
            let right = try await list(token: testAdminToken, from: guesser)
            #expect(right.status == .tooManyRequests, "a limited address is refused whatever it sends")
            #expect(try await list(token: testAdminToken, from: [.xForwardedFor: "203.0.113.10"]).status == .ok)
            #expect(try await list(token: testAdminToken, from: [:]).status == .ok)
        }
    }

    @Test("the admin rule: 10 wrong tokens at once, then one a second")
    func adminRule() {
        let limit = TokenFailureLimit(rule: TokenFailureLimit.adminRule, what: "admin token", logger: Logger(label: "test") { _ in LogLines() })
        let start = ContinuousClock.now
        for _ in 0..<10 {
            #expect(throws: Never.self) { try limit.check(client: "203.0.113.9", now: start) }
            limit.failed(client: "203.0.113.9", now: start)
        }
        #expect(throws: FirstComeError.rateLimited(retryAfter: 1)) { try limit.check(client: "203.0.113.9", now: start) }
        #expect(throws: FirstComeError.rateLimited(retryAfter: 0.5)) { try limit.check(client: "203.0.113.9", now: start + .milliseconds(500)) }
        #expect(throws: Never.self) { try limit.check(client: "203.0.113.9", now: start + .seconds(1)) }
        limit.failed(client: "203.0.113.9", now: start + .seconds(1))
        #expect(throws: FirstComeError.self) { try limit.check(client: "203.0.113.9", now: start + .seconds(1)) }
        #expect(throws: Never.self) { try limit.check(client: "::ffff:203.0.113.10", now: start) }
    }

    @Test("refusals are logged at warning, at most one line per address per interval, with the count")
    func refusalsAreLoggedOncePerInterval() {
        let lines = LogLines()
        let limit = TokenFailureLimit(rule: TokenFailureLimit.adminRule, what: "admin token", logger: Logger(label: "test") { _ in lines })
        let start = ContinuousClock.now
        for second in 0..<12 { limit.failed(client: "2001:db8:1:2::\(second)", now: start + .milliseconds(second * 10)) }
        #expect(throws: FirstComeError.self) { try limit.check(client: "2001:db8:1:2::ff", now: start + .milliseconds(200)) }
        #expect(lines.all.count == 1)
        limit.failed(client: "198.51.100.1", now: start + .seconds(1))
        limit.failed(client: "2001:db8:1:2::1", now: start + TokenFailureLimit.logInterval + .seconds(1))
        let all = lines.all
        #expect(all.map(\.level) == [.warning, .warning, .warning])
        #expect(all.map(\.message) == ["admin token refused", "admin token refused", "admin token refused"])
        #expect(all.map { $0.metadata["client"] } == ["2001:db8:1:2::/64", "198.51.100.1", "2001:db8:1:2::/64"])
        #expect(all.map { $0.metadata["refusals"] } == ["1", "1", "13"], "11 failures and a 429 in between, then this one")
    }
}
