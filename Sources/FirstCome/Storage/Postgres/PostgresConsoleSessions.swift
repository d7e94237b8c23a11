import PostgresNIO

/// Ended console sessions on PostgreSQL (queries in `ConsoleSessionSQL`), seen by every node.
extension PostgresEntryStore {
    public func endConsoleSession(id: String, expiresAt: Int64, now: Int64) async throws {
        try await PostgresErrors.translating {
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query(Self.query(ConsoleSessionSQL.prune, [now]), logger: logger)
                try await connection.query(Self.query(ConsoleSessionSQL.end, [id, expiresAt]), logger: logger)
            }
        }
    }

    public func consoleSessionEnded(id: String) async throws -> Bool {
        try await PostgresErrors.translating {
            try await client.withConnection { connection in
                var ended = false
                for try await _ in try await connection.query(Self.query(ConsoleSessionSQL.isEnded, [id]), logger: logger).decode(Int32.self) {
                    ended = true
                }
                return ended
            }
        }
    }
}
