import Foundation
import GRDB

/// Online backup and restore through SQLite's backup API: a consistent copy
/// taken while a server keeps writing.
public enum Backup {
    /// Figures of a backup or restore, for the operator.
    public struct Summary: Sendable, Equatable {
        public var events: Int
        public var entries: Int
    }

    /// Copies the database at `source` (which may be in use) to a new file `destination`.
    public static func backup(source: String, to destination: String, overwrite: Bool = false) throws -> Summary {
        try refuseExisting(destination, overwrite: overwrite)
        let reader = try FirstComeDatabase.openForReading(path: source)
        defer { try? reader.close() }
        let target = try DatabaseQueue(path: destination)
        try reader.backup(to: target)
        try FirstComeDatabase.checkIntegrity(target, path: destination)
        let summary = try summarize(target)
        try target.close()
        return summary
    }

    /// Replaces the database at `destination` with the backup at `source`.
    /// Refuses while a server holds `destination`, and an existing file unless `overwrite`.
    public static func restore(from source: String, to destination: String, overwrite: Bool = false) throws -> Summary {
        let lock = try DatabaseLock(databasePath: destination)
        defer { withExtendedLifetime(lock) {} }
        try refuseExisting(destination, overwrite: overwrite)
        let reader = try FirstComeDatabase.openForReading(path: source)
        defer { try? reader.close() }
        try FirstComeDatabase.checkIntegrity(reader, path: source)
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: destination + suffix) {
            try FileManager.default.removeItem(atPath: destination + suffix)
        }
        let target = try DatabasePool(path: destination, configuration: FirstComeDatabase.configuration(busyTimeout: .seconds(5)))
        try reader.backup(to: target)
        let summary = try summarize(target)
        try target.close()
        return summary
    }

    static func refuseExisting(_ path: String, overwrite: Bool) throws {
        if !overwrite && FileManager.default.fileExists(atPath: path) {
            throw BackupError.exists(path: path)
        }
    }

    static func summarize(_ reader: any DatabaseReader) throws -> Summary {
        try reader.read { db in
            Summary(
                events: try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0,
                entries: try Int.fetchOne(db, sql: "SELECT coalesce(sum(entries), 0) FROM events") ?? 0)
        }
    }
}

/// Why a backup or restore was refused.
public enum BackupError: Error, Equatable, CustomStringConvertible {
    case exists(path: String)

    public var description: String {
        switch self {
        case .exists(let path): "\(path) already exists; pass --force to replace it"
        }
    }
}
