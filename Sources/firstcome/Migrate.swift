import ArgumentParser
import FirstCome

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade a database to this binary's schema, then exit.",
        discussion: "Refuses a database written by a newer firstcome. 'serve' also migrates at start-up.")

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let opened = try await database.open(.write)
        await opened.close()
        let names: [String]
        switch opened.location {
        case .sqlite: names = Migrations.names
        case .postgres: names = Migrations.postgresNames
        }
        print("\(opened.location.display): schema is current (\(names.joined(separator: ", ")))")
    }
}
