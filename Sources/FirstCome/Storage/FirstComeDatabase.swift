import Foundation
import GRDB
import Logging

/// Opens the one `DatabasePool` (WAL) a process uses for a database file.
public enum FirstComeDatabase {
    /// Opens (creating if needed) and migrates the database at `path` for serving.
    public static func open(path: String, durability: Durability = .full, logger: Logger? = nil) throws -> DatabasePool {
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration())
            // GRDB sets synchronous=NORMAL on the writer after prepareDatabase runs,
            // so the chosen level is set once the pool is open.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability.pragmaValue)")
            }
        } catch let error as DatabaseError {
            throw StorageSetupError.notADatabase(path: path, reason: error.message ?? "\(error.resultCode)")
        }
        let applied = try Migrations.apply(to: pool)
        for name in applied {
            logger?.info("applied migration", metadata: ["migration": "\(name)"])
        }
        return pool
    }

    /// Opens an existing, migrated database for audit reads (safe while a server runs).
    public static func openForReading(path: String) throws -> DatabasePool {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StorageSetupError.notADatabase(path: path, reason: "no such file")
        }
        do {
            var config = configuration()
            config.readonly = true
            let pool = try DatabasePool(path: path, configuration: config)
            try pool.read { db in try Migrations.checkCurrent(db) }
            return pool
        } catch let error as DatabaseError {
            throw StorageSetupError.notADatabase(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }

    /// The `synchronous` level the writer uses (0 off, 1 normal, 2 full).
    public static func synchronousLevel(of pool: DatabasePool) throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    static func configuration() -> Configuration {
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.maximumReaderCount = 8
        config.label = "firstcome"
        return config
    }
}
