import Logging
import PostgresNIO

/// A connection pool to one PostgreSQL database, with its schema migrated. The
/// pool runs in the structured scope of `with(_:migrate:logger:_:)`: it must
/// serve the migration before a service group starts and the last commits after
/// the group's services stop, so it runs around the group, not inside it.
public final class PostgresDatabase: Sendable {
    /// Most connections one node opens (submits hold one per group-commit batch;
    /// awards, reads and the board's catch-up take the others).
    public static let maxConnections = 16

    public let client: PostgresClient
    public let location: PostgresLocation

    private init(location: PostgresLocation, logger: Logger) {
        var configuration = location.configuration
        configuration.options.maximumConnections = Self.maxConnections
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = [("application_name", "firstcome")]
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.location = location
    }

    /// Connects, checks the server answers, and (with `migrate`) applies pending
    /// migrations, otherwise refuses a database that is not exactly current; then
    /// runs `body` while the pool runs, and stops the pool when it returns.
    public static func with<T>(
        _ location: PostgresLocation, migrate: Bool = true, logger: Logger = Logger(label: "firstcome"),
        _ body: (PostgresDatabase) async throws -> T
    ) async throws -> T {
        // The pool retries a server it cannot reach for a long time: fail fast instead.
        try await probe(location)
        let database = PostgresDatabase(location: location, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            try await database.setUp(migrate: migrate, logger: logger)
            return try await body(database)
        }
    }

    private func setUp(migrate: Bool, logger: Logger) async throws {
        let (client, location) = (client, location)
        try await PostgresErrors.translatingSetup(location) {
            try await Self.withDeadline(Self.setupTimeout, what: "the server did not answer") {
                // Chain links hash the UTF-8 bytes of each record, built in the database.
                var encoding = ""
                for try await name in try await client.query("SHOW server_encoding", logger: logger).decode(String.self) {
                    encoding = name
                }
                guard encoding == "UTF8" else {
                    throw StorageSetupError.notADatabase(
                        path: location.display, reason: "the database's encoding is \(encoding), firstcome needs UTF8 (CREATE DATABASE … ENCODING 'UTF8')")
                }
                if migrate {
                    for name in try await PostgresMigrations.apply(client, logger: logger) {
                        logger.info("applied migration", metadata: ["migration": "\(name)"])
                    }
                } else {
                    try await PostgresMigrations.checkCurrent(client, logger: logger)
                }
            }
        }
    }

    /// Longest wait for the server to answer while opening.
    public static let setupTimeout: Duration = .seconds(30)

    /// Opens and closes one connection to the server's address.
    static func probe(_ location: PostgresLocation) async throws {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(.seconds(10))
        do {
            let channel: any Channel
            switch location.endpoint {
            case .tcp(let host, let port): channel = try await bootstrap.connect(host: host, port: port).get()
            case .socket(let path): channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            }
            try? await channel.close()
        } catch {
            throw StorageSetupError.notADatabase(path: location.display, reason: "cannot connect (\(error))")
        }
    }

    /// Runs `body`, failing with `what` if it takes longer than `limit`.
    static func withDeadline<T: Sendable>(_ limit: Duration, what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw FirstComeError.storageUnavailable("\(what) within \(limit)")
            }
            return value
        }
    }
}
