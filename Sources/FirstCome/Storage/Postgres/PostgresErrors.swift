import Logging
import PostgresNIO

/// Translates PostgreSQL failures into the domain errors clients see.
enum PostgresErrors {
    /// Runs `body`, translating failures.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw map(error)
        }
    }

    static func map(_ error: any Error) -> any Error {
        if let failure = error as? FirstComeError { return failure }
        if let transaction = error as? PostgresTransactionError {
            if transaction.commitError != nil {
                return FirstComeError.storageUnavailable("the database connection was lost while committing; the outcome is unknown")
            }
            if let inner = transaction.closureError ?? transaction.beginError { return map(inner) }
            return FirstComeError.storageUnavailable("the database is unreachable")
        }
        if let psql = error as? PSQLError {
            guard psql.code == .server, let state = psql.serverInfo?[.sqlState] else {
                return FirstComeError.storageUnavailable("the database is unreachable")
            }
            switch state {
            case "40001", "40P01", "55P03", "57014": return FirstComeError.storageBusy
            case _ where state.hasPrefix("08") || state.hasPrefix("57") || state.hasPrefix("53") || state.hasPrefix("58"):
                return FirstComeError.storageUnavailable("the database is unavailable")
            case "25006": return FirstComeError.storageUnavailable("the database is read-only")
            // A CHECK constraint or a value the column cannot hold: the request's data, not the service.
            case _ where state == "23514" || state.hasPrefix("22"): return FirstComeError.schemaRefused
            default: return error
            }
        }
        if error is CancellationError { return error }
        // Pool failures (shut down, connections failing for long).
        return FirstComeError.storageUnavailable("the database is unreachable")
    }

    /// Whether a failure may have left the outcome unknown or never reached the
    /// server, so an idempotent request can be sent again.
    static func isRetryable(_ error: any Error) -> Bool {
        if let transaction = error as? PostgresTransactionError {
            return transaction.commitError != nil || (transaction.closureError.map(isRetryable) ?? false)
        }
        if let psql = error as? PSQLError {
            guard psql.code == .server, let state = psql.serverInfo?[.sqlState] else { return true }
            return state.hasPrefix("08") || state == "57P01" || state == "40001" || state == "40P01"
        }
        return !(error is FirstComeError) && !(error is CancellationError)
    }

    /// A one-line account of a failure, for logs and set-up errors.
    static func describe(_ error: any Error) -> String {
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.commitError ?? transaction.beginError { return describe(inner) }
        }
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            if let underlying = psql.underlying { return "\(underlying)" }
            return "\(psql.code)"
        }
        return "\(error)"
    }

    /// Failures while connecting or migrating: the database is not usable.
    static func translatingSetup<T>(_ location: PostgresLocation, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StorageSetupError {
            throw error
        } catch {
            throw StorageSetupError.notADatabase(path: location.display, reason: describe(error))
        }
    }
}
