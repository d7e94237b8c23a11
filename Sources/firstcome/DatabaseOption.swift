import ArgumentParser

/// The `--db` option every command shares.
struct DatabaseOption: ParsableArguments {
    @Option(name: .customLong("db"), help: "SQLite database file (env FIRSTCOME_DB; default ./firstcome.sqlite).")
    var value: String?

    /// The path from the option, the environment, or the default.
    func path() throws -> String {
        try setting(value, env: "FIRSTCOME_DB", default: "./firstcome.sqlite") { $0 }
    }
}
