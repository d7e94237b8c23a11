import ArgumentParser
import FirstCome
import Foundation

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the keys that sign winners' admission tokens.",
        subcommands: [KeysRotate.self])
}

struct KeysRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Add a new signing key to the database; the old one stays published.",
        discussion: """
            Running servers (every node on a shared PostgreSQL database) pick the new key up within \
            a second. Keys retired more than --keep-s ago are removed from the database and from \
            /.well-known/jwks.json; keep them at least as long as the admission token lifetime.
            """)

    @OptionGroup var database: DatabaseOption

    @Option(help: "Seconds a retired key stays published.")
    var keepS = 86_400

    func run() async throws {
        guard keepS >= 0 else { throw ValidationError("--keep-s must be 0 or more") }
        try await database.withStore(.write) { opened in
            let (kid, dropped) = try await AdmissionKeys.rotate(store: opened.store, keepRetired: .seconds(keepS))
            print("new signing key \(kid) in \(opened.location.display)" + (dropped.isEmpty ? "" : "; removed \(dropped.joined(separator: ", "))"))
        }
    }
}
