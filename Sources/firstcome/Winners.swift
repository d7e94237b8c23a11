import ArgumentParser
import FirstCome

struct Winners: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an event's winners from the database.",
        discussion: "A read-only audit query; safe while a server uses the same database.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "The event id.")
    var event: String

    @Option(help: "csv (seq,user,decided_at) or json.")
    var format: String = "csv"

    @Flag(help: "Add each winner's payload (the e-mail or address the prize goes to, as the entrant sent it).")
    var includePayload = false

    func run() async throws {
        guard let format = WinnersExport.Format(rawValue: format) else {
            throw ValidationError("--format must be csv or json")
        }
        try await database.withStore(.read) { opened in
            _ = try await opened.store.event(id: event)
            try await WinnersExport.write(store: opened.store, event: event, format: format, includePayload: includePayload) {
                print($0, terminator: "")
            }
        }
    }
}
