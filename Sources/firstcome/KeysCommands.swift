import ArgumentParser
import FirstCome

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the keys that sign winners' admission tokens.",
        subcommands: [KeysRotate.self])
}

struct KeysRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Add a new signing key to <db>.admission-keys.json; the old one stays published.",
        discussion: """
            A running server picks the new key up within a second. Keys retired more than
            --keep-s ago are removed from the file and from /.well-known/jwks.json; keep them at
            least as long as the admission token lifetime.
            """)

    @OptionGroup var database: DatabaseOption

    @Option(help: "Seconds a retired key stays published (default 86400).")
    var keepS = 86_400

    func run() async throws {
        guard keepS >= 0 else { throw ValidationError("--keep-s must be 0 or more") }
        let path = AdmissionKeys.filePath(forDatabase: try database.path())
        let (kid, dropped) = try orExit { try AdmissionKeys.rotate(path: path, keepRetired: .seconds(keepS)) }
        print("new signing key \(kid) in \(path)" + (dropped.isEmpty ? "" : "; removed \(dropped.joined(separator: ", "))"))
    }
}
