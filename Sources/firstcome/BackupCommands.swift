import ArgumentParser
import FirstCome

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy a database to a new file with SQLite's online backup.",
        discussion: "Safe while a server runs: the copy is one consistent snapshot, checked with quick_check.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "The backup file to create.")
    var to: String

    @Flag(help: "Replace the backup file if it exists.")
    var force = false

    func run() async throws {
        let db = try database.sqlitePath(for: "backup", postgresTool: "pg_dump (e.g. pg_dump -Fc -f firstcome.dump URL)")
        let summary = try orExit { try Backup.backup(source: db, to: to, overwrite: force) }
        print("backed up \(db) to \(to): \(summary.events) events, \(summary.entries) entries")
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace a database with a backup.",
        discussion: "Refuses while a server uses the database, and refuses to replace an existing file without --force.")

    @Option(help: "The backup file to restore from.")
    var from: String

    @OptionGroup var database: DatabaseOption

    @Flag(help: "Replace the database file if it exists.")
    var force = false

    func run() async throws {
        let db = try database.sqlitePath(for: "restore", postgresTool: "pg_restore (e.g. pg_restore -d URL firstcome.dump)")
        let summary = try orExit { try Backup.restore(from: from, to: db, overwrite: force) }
        print("restored \(db) from \(from): \(summary.events) events, \(summary.entries) entries")
    }
}
