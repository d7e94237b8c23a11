import ArgumentParser
import FirstCome

struct Winners: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an event's winners from a database file.",
        discussion: "A read-only audit query; safe while a server uses the same database.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "The event id.")
    var event: String

    @Option(help: "csv (seq,user,decided_at) or json.")
    var format: String = "csv"

    func run() async throws {
        let db = try database.path()
        guard let format = WinnersExport.Format(rawValue: format) else {
            throw ValidationError("--format must be csv or json")
        }
        let pool = try orExit { try FirstComeDatabase.openForReading(path: db) }
        let store = try SQLiteEntryStore(pool: pool)
        do {
            _ = try await store.event(id: event)
            try await WinnersExport.write(store: store, event: event, format: format) { print($0, terminator: "") }
        } catch let error as FirstComeError {
            printError(error.message)
            throw ExitCode.failure
        }
    }
}
