import Logging

/// A store opened on a `DatabaseLocation` for a command or a service, for the
/// scope of `with(_:access:logger:_:)`.
public struct OpenedStore: Sendable {
    /// What the store is opened for.
    public enum Access: Sendable {
        /// Serving: migrates; SQLite at the given durability and busy timeout;
        /// no entry expires for lack of presence during `presenceGrace` (ms).
        case serve(durability: Durability, busyTimeout: Duration, presenceGrace: Int64)
        /// Changes outside serving (e.g. key rotation): migrates.
        case write
        /// Audit reads: refuses a database that is not migrated; safe beside a server.
        case read
    }

    public let store: any EntryStore
    public let location: DatabaseLocation

    /// Opens the database (creating and migrating it where `access` says so) and
    /// its store, runs `body` on them, and closes the database when it returns.
    public static func with<T>(
        _ location: DatabaseLocation, access: Access, logger: Logger = Logger(label: "firstcome"),
        _ body: (OpenedStore) async throws -> T
    ) async throws -> T {
        switch location {
        case .sqlite(let path):
            let pool = try {
                switch access {
                case .serve(let durability, let busyTimeout, _):
                    return try FirstComeDatabase.open(path: path, durability: durability, busyTimeout: busyTimeout, logger: logger)
                case .write: return try FirstComeDatabase.open(path: path, logger: logger)
                case .read: return try FirstComeDatabase.openForReading(path: path)
                }
            }()
            var grace: Int64 = 0
            if case .serve(_, _, let presenceGrace) = access { grace = presenceGrace }
            defer { try? pool.close() }
            return try await body(OpenedStore(store: try SQLiteEntryStore(pool: pool, presenceGrace: grace), location: location))
        case .postgres(let postgres):
            var migrate = true
            var grace: Int64 = 0
            switch access {
            case .serve(_, _, let presenceGrace): grace = presenceGrace
            case .write: break
            case .read: migrate = false
            }
            return try await PostgresDatabase.with(postgres, migrate: migrate, logger: logger) { database in
                try await body(OpenedStore(store: try await PostgresEntryStore(database: database, presenceGrace: grace, logger: logger), location: location))
            }
        }
    }
}
