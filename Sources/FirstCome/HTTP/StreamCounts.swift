import Synchronization

/// Live-update streams open at once, per entrant token and per client address.
/// Rate limits count openings; these count what stays open, so one token or
/// one address cannot hold a crowd of connections (and their descriptors).
public final class StreamCounts: Sendable {
    /// An entrant's tabs and devices: a few streams for one entry.
    public static let defaultPerToken = 4
    /// Entrants behind one address (an office, a carrier's NAT).
    public static let defaultPerClient = 1000
    /// What a refused stream is told to wait before trying again, in seconds.
    static let retryAfter = 5.0

    private struct Counts {
        var tokens: [String: Int] = [:]
        var clients: [String: Int] = [:]
    }

    let perToken: Int?
    let perClient: Int?
    private let counts = Mutex(Counts())

    public init(perToken: Int?, perClient: Int?) {
        self.perToken = perToken
        self.perClient = perClient
    }

    /// Counts a stream opening for `token` from `client`, or refuses it (429) when
    /// either already has its most; every successful call needs one `close`.
    func open(token: String, client: String) throws(FirstComeError) {
        let admitted = counts.withLock { counts -> Bool in
            if let perToken, counts.tokens[token, default: 0] >= perToken { return false }
            if let perClient, counts.clients[client, default: 0] >= perClient { return false }
            counts.tokens[token, default: 0] += 1
            counts.clients[client, default: 0] += 1
            return true
        }
        guard admitted else { throw .rateLimited(retryAfter: Self.retryAfter) }
    }

    /// A stream counted by `open` has ended.
    func close(token: String, client: String) {
        counts.withLock { counts in
            Self.decrement(&counts.tokens, token)
            Self.decrement(&counts.clients, client)
        }
    }

    /// Streams open now for `token`.
    func open(token: String) -> Int {
        counts.withLock { $0.tokens[token, default: 0] }
    }

    private static func decrement(_ table: inout [String: Int], _ key: String) {
        guard let count = table[key] else { return }
        if count <= 1 { table[key] = nil } else { table[key] = count - 1 }
    }
}
