import Logging
import Synchronization

/// Wrong admin tokens per client address, for the admin API and the console
/// sign-in alike: once an address has spent its burst of failures, everything it
/// sends there is 429 `rate_limited` (a right token too, so a guesser cannot tell
/// when it found it) until a failure has refilled. Refusals are logged at warning,
/// at most one line per address per `logInterval`, with how many there were.
public final class TokenFailureLimit: Sendable {
    /// The admin API: ten wrong tokens at once, then one a second.
    public static var adminRule: RateLimiter.Rule { RateLimiter.Rule(perSecond: adminRefillPerSecond, burst: adminBurst) }
    static let adminBurst = 10.0
    static let adminRefillPerSecond = 1.0
    /// One log line per address at most this often.
    static let logInterval: Duration = .seconds(60)
    /// Addresses whose log state is kept; older ones are forgotten first.
    static let maxLoggedClients = 10_000

    /// What is refused, for the log line ("admin token", "console sign-in").
    let what: String
    let logger: Logger
    private let failures: RateLimiter
    private struct Logged {
        var lastLine: ContinuousClock.Instant
        var unlogged: Int
    }
    private let logged = Mutex<[String: Logged]>([:])

    init(rule: RateLimiter.Rule, what: String, logger: Logger) {
        failures = RateLimiter(rule: rule)
        self.what = what
        self.logger = logger
    }

    /// Throws `rateLimited` (noting the try) while `client` has no failure left.
    func check(client: String, now: ContinuousClock.Instant = .now) throws(FirstComeError) {
        guard let wait = failures.wait(Self.key(client), now: now) else { return }
        note(client, limited: true, now: now)
        throw FirstComeError.rateLimited(retryAfter: wait)
    }

    /// Spends one of `client`'s failures and notes the refusal.
    func failed(client: String, now: ContinuousClock.Instant = .now) {
        _ = failures.acquire(Self.key(client), now: now)
        note(client, limited: false, now: now)
    }

    static func key(_ client: String) -> String { RateLimiter.clientKey(client) }

    /// Logs the refusal unless a line for `client` went out within `logInterval`;
    /// the next line counts the ones in between (`limited`: this one was a 429).
    private func note(_ client: String, limited: Bool, now: ContinuousClock.Instant) {
        let key = Self.key(client)
        let refusals: Int? = logged.withLock { table in
            if var entry = table[key], now - entry.lastLine < Self.logInterval {
                entry.unlogged += 1
                table[key] = entry
                return nil
            }
            let count = (table[key]?.unlogged ?? 0) + 1
            if table[key] == nil && table.count >= Self.maxLoggedClients {
                table = table.filter { now - $0.value.lastLine < Self.logInterval }
                if table.count >= Self.maxLoggedClients, let oldest = table.min(by: { $0.value.lastLine < $1.value.lastLine }) {
                    table[oldest.key] = nil
                }
            }
            table[key] = Logged(lastLine: now, unlogged: 0)
            return count
        }
        guard let refusals else { return }
        logger.warning(
            "\(what) refused",
            metadata: ["client": "\(key)", "refusals": "\(refusals)", "limited": "\(limited)"])
    }
}
