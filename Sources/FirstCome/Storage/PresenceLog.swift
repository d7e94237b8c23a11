/// Coarse, durable presence: the board's in-memory last-seen times are written
/// here in one transaction every few seconds (never per poll), so that after a
/// restart an entrant seen shortly before it still counts as present. Written
/// once for both stores.
enum PresenceLog {
    /// A last-seen time is written again only when it moved on by this much (ms).
    static let granularity: Int64 = 5_000
    /// The most rows one statement writes (three values each; SQLite binds at most 32766).
    static let rowsPerStatement = 4096

    /// Takes the presence `live` saw since the last call and writes it with
    /// `write` (one transaction of the caller's store).
    static func persist(_ live: LiveState, write: (@escaping @Sendable () -> SQLProcedure<Void>) async throws -> Void) async throws {
        let changes = live.board.takePresence(now: live.clock(), granularity: granularity)
        guard !changes.isEmpty else { return }
        let statements = statements(changes)
        try await write { .writes(statements, then: ()) }
    }

    /// Upserts keeping the later time. Each statement's row count is a power of
    /// two (so a few spellings serve every size), and no row repeats in one
    /// statement, which PostgreSQL's upsert refuses.
    static func statements(_ changes: [(eventKey: Int64, seq: Int64, seenAt: Int64)]) -> [SQLStatement] {
        var statements: [SQLStatement] = []
        var start = 0
        while start < changes.count {
            let left = changes.count - start
            let count = min(rowsPerStatement, 1 << (Int.bitWidth - 1 - left.leadingZeroBitCount))
            let rows = (0..<count).map { "($\(1 + 3 * $0), $\(2 + 3 * $0), $\(3 + 3 * $0))" }.joined(separator: ", ")
            let values = changes[start..<(start + count)].flatMap { [SQLStatement.Value.integer($0.eventKey), .integer($0.seq), .integer($0.seenAt)] }
            statements.append(
                SQLStatement(
                    sql: """
                        INSERT INTO presence (event_key, seq, seen_at) VALUES \(rows)
                        ON CONFLICT (event_key, seq) DO UPDATE
                           SET seen_at = CASE WHEN excluded.seen_at > presence.seen_at THEN excluded.seen_at ELSE presence.seen_at END
                        """,
                    values: values))
            start += count
        }
        return statements
    }
}
