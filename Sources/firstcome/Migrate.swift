import ArgumentParser
import FirstCome

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade a database to this binary's schema, then exit.",
        discussion: "Refuses a database written by a newer firstcome. 'serve' also migrates at start-up.")

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let location = try await database.withOpened(.write) { $0.location }
        let names: [String]
        switch location {
        case .sqlite: names = Migrations.names
        case .postgres: names = Migrations.postgresNames
        }
        print("\(location.display): schema is current (\(names.joined(separator: ", ")))")
    }
}
