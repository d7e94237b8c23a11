import GRDB

/// The schema migrations embedded from `migrations/*.sql`, applied in name order
/// and recorded by GRDB in `grdb_migrations`.
public enum Migrations {
    /// Names of the migrations this binary knows, in order.
    public static var names: [String] { EmbeddedFiles.migrations.map(\.name) }
    /// Names of the PostgreSQL migrations this binary knows, in order.
    public static var postgresNames: [String] { PostgresMigrations.names }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in EmbeddedFiles.migrations {
            let sql = migration.sql
            let name = migration.name
            migrator.registerMigration(name) { db in
                try db.execute(sql: sql)
                try backfill(name, db)
            }
        }
        return migrator
    }

    /// Data changes a migration needs that SQL alone cannot make (hashing), each
    /// frozen in its own type with what it needs.
    static func backfill(_ name: String, _ db: Database) throws {
        switch name {
        case "0003_audit_chain": try Migration0003Backfill.run(db)
        default: break
        }
    }

    /// Applies pending migrations; refuses a database written by a newer binary.
    /// Returns the names of the migrations it applied.
    @discardableResult
    public static func apply(to writer: any DatabaseWriter) throws -> [String] {
        let migrator = self.migrator
        let applied = try writer.read { db in try migrator.appliedIdentifiers(db) }
        try checkNotNewer(applied: applied)
        try migrator.migrate(writer)
        return names.filter { !applied.contains($0) }
    }

    /// Throws unless the database has exactly the migrations this binary knows.
    public static func checkCurrent(_ db: Database) throws {
        let applied = try migrator.appliedIdentifiers(db)
        try checkNotNewer(applied: applied)
        let missing = names.filter { !applied.contains($0) }
        if !missing.isEmpty {
            throw StorageSetupError.notMigrated(missing: missing)
        }
    }

    static func checkNotNewer(applied: Set<String>) throws {
        let unknown = applied.subtracting(names).sorted()
        if !unknown.isEmpty {
            throw StorageSetupError.newerDatabase(unknown: unknown)
        }
    }
}
