import Foundation
import GRDB
import Logging

/// Opens the one `DatabasePool` (WAL) a process uses for a database file.
public enum FirstComeDatabase {
    /// How long a write waits for a lock held by another connection before it
    /// fails with `storage_busy`.
    public static let defaultBusyTimeout: Duration = .seconds(5)

    /// Opens (creating if needed), checks and migrates the database at `path` for serving.
    public static func open(
        path: String, durability: Durability = .full, busyTimeout: Duration = defaultBusyTimeout, logger: Logger? = nil
    ) throws -> DatabasePool {
        if let folder = missingFolder(of: path) { throw StorageSetupError.missingFolder(folder) }
        return try translatingSetupErrors(path: path) {
            let pool = try DatabasePool(path: path, configuration: configuration(busyTimeout: busyTimeout))
            // GRDB sets synchronous=NORMAL on the writer after prepareDatabase runs,
            // so the chosen level is set once the pool is open.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability.pragmaValue)")
            }
            try checkIntegrity(pool, path: path, logger: logger)
            let applied = try Migrations.apply(to: pool)
            for name in applied {
                logger?.info("applied migration", metadata: ["migration": "\(name)"])
            }
            return pool
        }
    }

    /// Opens an existing, migrated database for audit reads (safe while a server runs).
    public static func openForReading(path: String) throws -> DatabasePool {
        if let folder = missingFolder(of: path) { throw StorageSetupError.missingFolder(folder) }
        guard FileManager.default.fileExists(atPath: path) else {
            throw StorageSetupError.notADatabase(path: path, reason: "no such file")
        }
        return try translatingSetupErrors(path: path) {
            var config = configuration(busyTimeout: defaultBusyTimeout)
            config.readonly = true
            let pool = try DatabasePool(path: path, configuration: config)
            try pool.read { db in try Migrations.checkCurrent(db) }
            return pool
        }
    }

    /// The folder that should hold the database file at `path`, if it does not exist.
    public static func missingFolder(of path: String) -> String? {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path(percentEncoded: false)
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue ? nil : folder
    }

    /// `PRAGMA quick_check`: refuses a damaged file before anything is served from it.
    public static func checkIntegrity(_ reader: any DatabaseReader, path: String, logger: Logger? = nil) throws {
        let start = ContinuousClock.now
        let problems = try reader.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        guard problems == ["ok"] else {
            throw StorageSetupError.corrupt(path: path, detail: problems.prefix(3).joined(separator: "; "))
        }
        let elapsed = ContinuousClock.now - start
        logger?.info("integrity check ok", metadata: ["database": "\(path)", "ms": "\(Int(elapsed.milliseconds))"])
    }

    /// The `synchronous` level the writer uses (0 off, 1 normal, 2 full).
    public static func synchronousLevel(of pool: DatabasePool) throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    static func configuration(busyTimeout: Duration) -> Configuration {
        var config = Configuration()
        let (seconds, attoseconds) = busyTimeout.components
        config.busyMode = .timeout(Double(seconds) + Double(attoseconds) / 1e18)
        config.maximumReaderCount = 8
        config.label = "firstcome"
        return config
    }

    /// SQLite errors while opening mean the file is not a usable database.
    static func translatingSetupErrors<T>(path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            switch error.resultCode.primaryResultCode {
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                throw StorageSetupError.corrupt(path: path, detail: error.message ?? "\(error.resultCode)")
            default:
                throw StorageSetupError.notADatabase(path: path, reason: error.message ?? "\(error.resultCode)")
            }
        }
    }
}
