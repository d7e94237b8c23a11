import Logging
import NIOCore
import Synchronization

/// How many client connections both listeners may hold at once, so that a
/// flood of sockets never takes the descriptors the database, the logs,
/// outbound webhooks and the runtime need. A connection past the cap is closed
/// as soon as it is accepted (shed), counted in
/// `firstcome_connections_shed_total` and logged at most once per
/// `logInterval`.
public final class ConnectionBudget: Sendable {
    /// Descriptors kept out of the connections' reach: an eighth of the limit,
    /// at least 64 (SQLite's files per connection, a PostgreSQL pool, webhook
    /// clients, /proc reads of the runtime, the logs).
    public static func reserve(forLimit limit: Int) -> Int {
        max(64, limit / 8)
    }

    /// The cap for a descriptor limit: the limit less its reserve, at least 16.
    public static func cap(forLimit limit: Int) -> Int {
        max(16, limit - reserve(forLimit: limit))
    }

    /// How often a line says connections are being shed.
    static let logInterval: Duration = .seconds(10)

    /// Most connections open at once.
    public let cap: Int
    private let open = Atomic<Int>(0)
    private let shedSinceLog = Atomic<Int>(0)
    private let lastLog = Mutex<ContinuousClock.Instant?>(nil)
    private let logger: Logger
    private let metrics: FirstComeMetrics

    public init(cap: Int, logger: Logger, metrics: FirstComeMetrics) {
        self.cap = max(1, cap)
        self.logger = logger
        self.metrics = metrics
    }

    /// Connections open now.
    public var openConnections: Int { open.load(ordering: .relaxed) }

    /// Counts a newly accepted connection until it closes; `false` (and the
    /// connection closed) when the cap is reached.
    func admit(_ channel: any Channel) -> Bool {
        let count = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard count <= cap else {
            open.wrappingSubtract(1, ordering: .relaxed)
            shed()
            channel.close(mode: .all, promise: nil)
            return false
        }
        metrics.recordOpenConnections(count)
        channel.closeFuture.whenComplete { [self] _ in
            let left = open.wrappingSubtract(1, ordering: .relaxed).newValue
            metrics.recordOpenConnections(left)
        }
        return true
    }

    private func shed() {
        metrics.recordConnectionShed()
        shedSinceLog.wrappingAdd(1, ordering: .relaxed)
        let now = ContinuousClock.now
        let due = lastLog.withLock { last -> Bool in
            if let last, now - last < Self.logInterval { return false }
            last = now
            return true
        }
        guard due else { return }
        let count = shedSinceLog.exchange(0, ordering: .relaxed)
        logger.warning(
            "connection limit reached: new connections are closed at once",
            metadata: ["open": "\(openConnections)", "cap": "\(cap)", "shed": "\(count)"])
    }
}
