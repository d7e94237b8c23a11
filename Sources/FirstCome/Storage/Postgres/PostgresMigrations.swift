import Logging
import PostgresNIO

/// The PostgreSQL schema migrations embedded from `migrations/postgres/*.sql`,
/// applied in name order, each in its own transaction with its record in
/// `firstcome_migrations`. Nodes starting together take turns (an advisory lock).
enum PostgresMigrations {
    static var names: [String] { EmbeddedFiles.postgresMigrations.map(\.name) }
    /// Advisory lock key held while migrating ("fcmigrat").
    static let lockKey: Int64 = 0x6663_6D69_6772_6174

    static func apply(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        try await client.withConnection { connection in
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS firstcome_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                logger: logger)
            try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
            do {
                let applied = try await appliedNames(connection, logger: logger)
                try checkNotNewer(applied)
                var done: [String] = []
                for migration in EmbeddedFiles.postgresMigrations where !applied.contains(migration.name) {
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        for statement in SQLScript.statements(migration.sql) {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await connection.query("INSERT INTO firstcome_migrations (name) VALUES (\(migration.name))", logger: logger)
                        try await connection.query("COMMIT", logger: logger)
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                    done.append(migration.name)
                }
                try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                return done
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                throw error
            }
        }
    }

    static func checkCurrent(_ client: PostgresClient, logger: Logger) async throws {
        let exists = try await client.query("SELECT to_regclass('firstcome_migrations') IS NOT NULL", logger: logger).decode(Bool.self)
        var present = false
        for try await value in exists { present = value }
        let applied: Set<String> = present ? try await client.withConnection { try await appliedNames($0, logger: logger) } : []
        try checkNotNewer(applied)
        let missing = names.filter { !applied.contains($0) }
        if !missing.isEmpty { throw StorageSetupError.notMigrated(missing: missing) }
    }

    static func appliedNames(_ connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        var names: Set<String> = []
        for try await name in try await connection.query("SELECT name FROM firstcome_migrations", logger: logger).decode(String.self) {
            names.insert(name)
        }
        return names
    }

    static func checkNotNewer(_ applied: Set<String>) throws {
        let unknown = applied.subtracting(names).sorted()
        if !unknown.isEmpty { throw StorageSetupError.newerDatabase(unknown: unknown) }
    }
}

/// Splits a SQL script into its statements (the driver runs one at a time),
/// minding quotes, comments and dollar-quoted function bodies.
enum SQLScript {
    static func statements(_ sql: String) -> [String] {
        let bytes = Array(sql.utf8)
        var statements: [String] = []
        var start = 0
        var index = 0
        func at(_ position: Int) -> UInt8? { position < bytes.count ? bytes[position] : nil }
        func flush(_ end: Int) {
            let text = String(decoding: bytes[start..<min(end, bytes.count)], as: UTF8.self)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
            let statement = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if !statement.isEmpty { statements.append(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                let quote = bytes[index]
                index += 1
                while index < bytes.count {
                    if bytes[index] == quote {
                        if at(index + 1) == quote { index += 2; continue }
                        break
                    }
                    index += 1
                }
                index += 1
            case UInt8(ascii: "-") where at(index + 1) == UInt8(ascii: "-"):
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "$"):
                var end = index + 1
                while end < bytes.count, bytes[end] == UInt8(ascii: "_") || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[end])
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[end])
                {
                    end += 1
                }
                if at(end) == UInt8(ascii: "$") {
                    let tag = Array(bytes[index...end])
                    index = end + 1
                    while index < bytes.count && !(bytes[index] == UInt8(ascii: "$") && Array(bytes[index..<min(index + tag.count, bytes.count)]) == tag) {
                        index += 1
                    }
                    index += tag.count
                } else {
                    index += 1
                }
            case UInt8(ascii: ";"):
                flush(index)
                index += 1
                start = index
            default:
                index += 1
            }
        }
        flush(index)
        return statements
    }
}
