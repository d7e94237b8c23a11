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

    /// Opens the store for `access`, or exits with one line saying why not.
    func open(_ access: OpenedStore.Access) async throws -> OpenedStore {
        let location = try location()
        do {
            return try await OpenedStore.open(location, access: access)
        } catch {
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
        let opened = try await open(access)
        do {
            let result = try await body(opened)
            await opened.close()
            return result
        } catch {
            await opened.close()
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
