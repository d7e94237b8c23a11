import GRDB

/// Ended console sessions on SQLite (queries in `ConsoleSessionSQL`).
extension SQLiteEntryStore {
    public func endConsoleSession(id: String, expiresAt: Int64, now: Int64) async throws {
        try await StorageErrors.translating {
            try await pool.write { db in
                try db.execute(sql: PortableSQL.sqlite(ConsoleSessionSQL.prune), arguments: [now])
                try db.execute(sql: PortableSQL.sqlite(ConsoleSessionSQL.end), arguments: [id, expiresAt])
            }
        }
    }

    public func consoleSessionEnded(id: String) async throws -> Bool {
        try await StorageErrors.translating {
            try await pool.read { db in try Int64.fetchOne(db, sql: PortableSQL.sqlite(ConsoleSessionSQL.isEnded), arguments: [id]) != nil }
        }
    }
}
