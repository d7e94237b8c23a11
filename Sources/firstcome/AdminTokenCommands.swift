import ArgumentParser
import FirstCome

struct AdminTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin-token",
        abstract: "Manage the admin token kept beside a SQLite database.",
        subcommands: [AdminTokenRotate.self])
}

struct AdminTokenRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Write a new admin token to <db>.admin-token and print it.",
        discussion: """
            A running server that reads its token from that file (it was started without \
            --admin-token and FIRSTCOME_ADMIN_TOKEN) takes the new token within a second; the old one \
            stops working then. A server given the token by option or environment keeps it: change \
            the option and restart it. With a PostgreSQL database the token is always given by option \
            or environment: restart the nodes one by one with the new one.
            """)

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let path = try database.sqlitePath(
            for: "admin-token rotate", postgresTool: "a new --admin-token (or FIRSTCOME_ADMIN_TOKEN) and a restart of each node")
        if let folder = FirstComeDatabase.missingFolder(of: path) {
            printError("the folder \(folder) does not exist")
            throw ExitCode.failure
        }
        let token = try orExit { try AdminToken.rotate(databasePath: path) }
        print(token)
    }
}
