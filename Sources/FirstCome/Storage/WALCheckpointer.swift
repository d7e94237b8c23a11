import GRDB
import Logging
import ServiceLifecycle

/// Moves SQLite's WAL checkpoints off the commit path. By default SQLite runs a
/// checkpoint inside the commit that crosses 1,000 WAL pages, on the one writer
/// connection, and with `synchronous=FULL` that also syncs the database file:
/// every few thousand entries one commit, and every request queued behind it,
/// waits for it. While this service runs, the writer does no checkpoint of its
/// own (`wal_autocheckpoint=0`) and a connection of this service copies the
/// WAL into the database in the background (`PASSIVE`: it never blocks the
/// writer nor readers). When it stops it hands checkpoints back to the writer
/// and truncates the WAL.
public struct WALCheckpointer: Service {
    let pool: DatabasePool
    let logger: Logger

    /// How often the background checkpoint runs.
    public static let interval: Duration = .milliseconds(500)
    /// The WAL file is cut back to this size after each reset (bytes).
    public static let journalSizeLimit = 64 * 1024 * 1024
    /// SQLite's own default, restored when the service stops.
    static let defaultAutocheckpoint = 1000

    public init(pool: DatabasePool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    public func run() async throws {
        var config = Configuration()
        config.label = "firstcome-checkpoint"
        config.busyMode = .timeout(5)
        let connection = try DatabaseQueue(path: pool.path, configuration: config)
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = \(Self.journalSizeLimit)")
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.interval) }
            do {
                try await connection.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            } catch {
                logger.warning("background WAL checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
        // In a task of its own: a cancelled task's database calls would be refused.
        let pool = self.pool
        do {
            try await Task {
                try await pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.defaultAutocheckpoint)")
                    _ = try db.checkpoint(.truncate)
                }
            }.value
        } catch {
            logger.warning("final WAL checkpoint failed", metadata: ["error": "\(error)"])
        }
        try connection.close()
    }
}
