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

/// Why a database could not be opened for use.
public enum StorageSetupError: Error, Equatable, CustomStringConvertible {
    case newerDatabase(unknown: [String])
    case notMigrated(missing: [String])
    case notADatabase(path: String, reason: String)
    case corrupt(path: String, detail: String)
    case missingFolder(String)

    public var description: String {
        switch self {
        case .newerDatabase(let unknown):
            "the database was written by a newer firstcome (unknown migrations: \(unknown.joined(separator: ", "))); upgrade this binary"
        case .notMigrated(let missing):
            "the database is not migrated (missing: \(missing.joined(separator: ", "))); run 'firstcome migrate --db PATH'"
        case .notADatabase(let path, let reason):
            "\(path) is not a usable firstcome database: \(reason)"
        case .missingFolder(let folder):
            "the folder \(folder) does not exist; create it first"
        case .corrupt(let path, let detail):
            "\(path) is damaged or not a database (\(detail)); restore it from a backup"
        }
    }
}
