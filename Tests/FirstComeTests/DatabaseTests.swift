import Foundation
import GRDB
import Testing

@testable import FirstCome

@Suite("Database: migrations, durability, audit reads")
struct DatabaseTests {
    @Test("migrations are embedded, applied once and recorded")
    func migrationsApplied() async throws {
        #expect(Migrations.names.first == "0001_initial")
        try await TemporaryDatabase.with { pool, database in
            let applied = try await pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
            #expect(applied == Migrations.names)
            try pool.close()
            // Opening again applies nothing new.
            let again = try FirstComeDatabase.open(path: database.path)
            #expect(try Migrations.apply(to: again).isEmpty)
            try again.close()
        }
    }

    @Test("a database from a newer binary is refused with a clear error")
    func newerDatabaseRefused() async throws {
        try await TemporaryDatabase.with { pool, database in
            try await pool.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_future')") }
            try pool.close()
            #expect(throws: StorageSetupError.newerDatabase(unknown: ["9999_future"])) {
                _ = try FirstComeDatabase.open(path: database.path)
            }
            let message = "\(StorageSetupError.newerDatabase(unknown: ["9999_future"]))"
            #expect(message.contains("newer firstcome"))
        }
    }

    @Test("durability full is the default and is what the writer really uses", arguments: [Durability.full, .normal])
    func durabilityPragma(durability: Durability) async throws {
        try await TemporaryDatabase.with(durability: durability) { pool, _ in
            #expect(try FirstComeDatabase.synchronousLevel(of: pool) == durability.pragmaValue)
            let mode = try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
            #expect(mode == "wal")
        }
    }

    @Test("opening without a choice gives synchronous=FULL")
    func defaultDurability() throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let pool = try FirstComeDatabase.open(path: database.path)
        #expect(try FirstComeDatabase.synchronousLevel(of: pool) == 2)
        try pool.close()
    }

    @Test("a file that is not a database is refused")
    func foreignFileRefused() throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: database.path))
        #expect(throws: StorageSetupError.self) { _ = try FirstComeDatabase.open(path: database.path) }
    }

    @Test("audit reads work on a read-only pool while the writer is open")
    func readOnlyWhileServing() async throws {
        try await TemporaryDatabase.with { pool, database in
            let store = try SQLiteEntryStore(pool: pool)
            _ = try await store.createEvent(try NewEvent(id: "e", name: "E", prizes: 1, mode: .direct), now: 1)
            _ = try await store.submit([Submission(event: "e", user: "alice", payload: nil)], now: 2)
            let reader = try FirstComeDatabase.openForReading(path: database.path)
            let winners = try await SQLiteEntryStore(pool: reader).winners(event: "e", after: 0, limit: 10)
            #expect(winners == [Winner(seq: 1, user: "alice", decidedAt: 2)])
            try reader.close()
        }
    }

    @Test("an unmigrated or missing file is refused for audit reads")
    func readOnlyNeedsMigratedDatabase() throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        #expect(throws: StorageSetupError.self) { _ = try FirstComeDatabase.openForReading(path: database.path) }
        let queue = try DatabaseQueue(path: database.path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        try queue.close()
        #expect(throws: StorageSetupError.self) { _ = try FirstComeDatabase.openForReading(path: database.path) }
    }

    @Test("the audit listing shows the derived status and decision time of every entry")
    func auditView() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try SQLiteEntryStore(pool: pool)
            _ = try await store.createEvent(try NewEvent(id: "e", name: "E", prizes: 1), now: 1)
            _ = try await store.submit((1...3).map { Submission(event: "e", user: "u\($0)", payload: nil) }, now: 2)
            _ = try await store.award(event: "e", limit: 2, now: 3)
            let (_, rows) = try await store.auditEntries(event: "e", after: 0, limit: 10)
            #expect(rows.map(\.status) == [.won, .lost, .lost])
            #expect(rows.map(\.decidedAt) == [3, 3, 3])
        }
    }
}
