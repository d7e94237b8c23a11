import ArgumentParser
import FirstCome

/// The `--db` option every command shares.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: """
            SQLite database file, or a PostgreSQL URL postgres://user[:password]@host[:port]/dbname[?sslmode=...&host=/socket/dir] \
            shared by several nodes (env FIRSTCOME_DB; default ./firstcome.sqlite).
            """)
    var value: String?

    /// The value from the option, the environment, or the default.
    func text() throws -> String {
        try setting(value, env: "FIRSTCOME_DB", default: "./firstcome.sqlite") { $0 }
    }

    /// Where the database is.
    func location() throws -> DatabaseLocation {
        let text = try text()
        do {
            return try DatabaseLocation(text)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Runs `body` on the store opened for `access` and closes it; a store that
    /// cannot be opened exits with one line saying why. `body`'s errors pass through.
    func withOpened<T>(_ access: OpenedStore.Access, _ body: (OpenedStore) async throws -> T) async throws -> T {
        let location = try location()
        var opened = false
        do {
            return try await OpenedStore.with(location, access: access) { store in
                opened = true
                return try await body(store)
            }
        } catch where !opened {
            printError("\(error)")
            throw ExitCode.failure
        }
    }
}

extension DatabaseOption {
    /// Runs `body` on the store opened for `access`, closes it, and turns a
    /// failure into one line on standard error and exit 1 (an audit failure and
    /// an exit code pass through as they are).
    func withStore<T>(_ access: OpenedStore.Access, _ body: (OpenedStore) async throws -> T) async throws -> T {
        do {
            return try await withOpened(access, body)
        } catch {
            if error is ExitCode || error is AuditVerifier.Failure { throw error }
            printError((error as? FirstComeError)?.message ?? "\(error)")
            throw ExitCode.failure
        }
    }
}

extension DatabaseOption {
    /// The SQLite file, or exit 1 naming PostgreSQL's own tool for `what`.
    func sqlitePath(for command: String, postgresTool: String) throws -> String {
        switch try location() {
        case .sqlite(let path):
            return path
        case .postgres:
            printError("'\(command)' works on a SQLite file; for a PostgreSQL database use \(postgresTool)")
            throw ExitCode.failure
        }
    }
}
