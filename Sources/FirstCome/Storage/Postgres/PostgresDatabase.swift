import Logging
import PostgresNIO

/// A running connection pool to one PostgreSQL database, with its schema
/// migrated. The pool runs until `close()`.
public final class PostgresDatabase: Sendable {
    /// Most connections one node opens (submits hold one per group-commit batch;
    /// awards, reads and the board's catch-up take the others).
    public static let maxConnections = 16

    public let client: PostgresClient
    public let location: PostgresLocation
    private let runner: Task<Void, Never>

    private init(location: PostgresLocation, logger: Logger) {
        var configuration = location.configuration
        configuration.options.maximumConnections = Self.maxConnections
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = [("application_name", "firstcome")]
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.location = location
        runner = Task { await client.run() }
    }

    /// Connects, checks the server answers, and (with `migrate`) applies pending
    /// migrations; otherwise refuses a database that is not exactly current.
    public static func open(_ location: PostgresLocation, migrate: Bool = true, logger: Logger = Logger(label: "firstcome")) async throws -> PostgresDatabase {
        let database = PostgresDatabase(location: location, logger: logger)
        do {
            try await PostgresErrors.translatingSetup(location) {
                if migrate {
                    for name in try await PostgresMigrations.apply(database.client, logger: logger) {
                        logger.info("applied migration", metadata: ["migration": "\(name)"])
                    }
                } else {
                    try await PostgresMigrations.checkCurrent(database.client, logger: logger)
                }
            }
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// Stops the pool (after its queries end).
    public func close() async {
        runner.cancel()
        await runner.value
    }
}
