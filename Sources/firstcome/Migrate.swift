import ArgumentParser
import FirstCome

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade a database to this binary's schema, then exit.",
        discussion: "Refuses a database written by a newer firstcome. 'serve' also migrates at start-up.")

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let db = try database.path()
        let pool = try orExit { try FirstComeDatabase.open(path: db) }
        try pool.close()
        print("\(db): schema is current (\(Migrations.names.joined(separator: ", ")))")
    }
}
