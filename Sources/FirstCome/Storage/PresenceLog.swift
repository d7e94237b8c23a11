import GRDB

/// Coarse, durable presence: the board's in-memory last-seen times are written
/// here in one transaction every few seconds (never per poll), so that after a
/// restart an entrant seen shortly before it still counts as present.
enum PresenceLog {
    /// A last-seen time is written again only when it moved on by this much (ms).
    static let granularity: Int64 = 5_000

    static func write(_ db: Database, _ changes: [(eventKey: Int64, seq: Int64, seenAt: Int64)]) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO presence (event_key, seq, seen_at) VALUES (?, ?, ?)
                ON CONFLICT (event_key, seq) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)
                """)
        for change in changes { try statement.execute(arguments: [change.eventKey, change.seq, change.seenAt]) }
    }
}
