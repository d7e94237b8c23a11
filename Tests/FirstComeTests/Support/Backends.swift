import Foundation
import Logging
import Testing

@testable import FirstCome

/// The storage backends the contract tests run on.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// A fresh database on the test PostgreSQL cluster, dropped afterwards.
///
/// `scripts/test` starts a throwaway cluster (`scripts/postgres start`) and
/// exports its URL as FIRSTCOME_TEST_POSTGRES; without it these tests fail,
/// they never skip.
struct TemporaryPostgres {
    static let variable = "FIRSTCOME_TEST_POSTGRES"
    let name: String
    let url: String

    static var baseURL: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty else {
                throw TestSetupError(
                    message: "\(variable) is not set: run ./scripts/test, or start a cluster with scripts/postgres start DIR and export its URL")
            }
            return url
        }
    }

    init() throws {
        let base = try Self.baseURL
        name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        guard let slash = base.range(of: "/", options: .backwards) else { throw TestSetupError(message: "bad \(Self.variable)") }
        url = String(base[..<slash.lowerBound]) + "/" + name
        try Self.psql(base, "CREATE DATABASE \(name)")
    }

    func drop() {
        guard let base = try? Self.baseURL else { return }
        _ = try? Self.psql(base, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Runs one SQL command with psql; throws with its error output if it fails.
    @discardableResult
    static func psql(_ url: String, _ sql: String) throws -> String {
        let result = try Binary.runProcess("/usr/bin/env", ["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql])
        guard result.status == 0 else { throw TestSetupError(message: "psql failed: \(result.err)") }
        return result.out
    }

    var location: DatabaseLocation {
        get throws { try DatabaseLocation(url) }
    }

    /// Runs `body` on a new, migrated database.
    static func with<T>(_ body: (TemporaryPostgres) async throws -> T) async throws -> T {
        let database = try TemporaryPostgres()
        defer { database.drop() }
        return try await body(database)
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// One node's store on a database: open more of them for several nodes.
struct TestNode: Sendable {
    let store: any EntryStore
    let close: @Sendable () async -> Void
}

/// Opens a store on `location` the way `serve` does, with a test clock; with
/// `follow`, its background services (a PostgreSQL node's catch-up loop) run until it closes.
func openTestNode(
    _ location: DatabaseLocation, clock: @escaping @Sendable () -> Int64 = Timestamp.now, presenceGrace: Int64 = 60_000,
    follow: Bool = true
) async throws -> TestNode {
    var logger = Logger(label: "firstcome.test")
    logger.logLevel = .error
    switch location {
    case .sqlite(let path):
        let pool = try FirstComeDatabase.open(path: path)
        return TestNode(store: try SQLiteEntryStore(pool: pool, clock: clock, presenceGrace: presenceGrace)) { try? pool.close() }
    case .postgres(let postgres):
        // The node's pool and services run in one scope, held open until `close`.
        let (opened, didOpen) = AsyncThrowingStream.makeStream(of: PostgresEntryStore.self)
        let (closing, close) = AsyncStream.makeStream(of: Void.self)
        let scope = Task {
            do {
                try await PostgresDatabase.with(postgres, logger: logger) { database in
                    let store = try await PostgresEntryStore(database: database, clock: clock, presenceGrace: presenceGrace, logger: logger)
                    didOpen.yield(store)
                    await withDiscardingTaskGroup { group in
                        if follow { for service in store.services { group.addTask { try? await service.run() } } }
                        for await _ in closing {}
                        group.cancelAll()
                    }
                }
            } catch {
                didOpen.finish(throwing: error)
            }
        }
        guard let store = try await opened.first(where: { _ in true }) else { throw TestSetupError(message: "the node did not open") }
        return TestNode(store: store) {
            close.finish()
            await scope.value
        }
    }
}

/// Runs `body` with a fresh store of `backend` and the location of its database.
func withBackend<T>(
    _ backend: Backend, clock: @escaping @Sendable () -> Int64 = Timestamp.now, presenceGrace: Int64 = 60_000,
    _ body: (any EntryStore, DatabaseLocation) async throws -> T
) async throws -> T {
    func run(_ location: DatabaseLocation) async throws -> T {
        let node = try await openTestNode(location, clock: clock, presenceGrace: presenceGrace)
        do {
            let result = try await body(node.store, location)
            await node.close()
            return result
        } catch {
            await node.close()
            throw error
        }
    }
    switch backend {
    case .sqlite:
        let directory = try TemporaryDatabase()
        defer { directory.remove() }
        return try await run(.sqlite(path: directory.path))
    case .postgres:
        return try await TemporaryPostgres.with { database in try await run(try database.location) }
    }
}
