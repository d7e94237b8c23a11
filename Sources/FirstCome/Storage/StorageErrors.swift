import GRDB

/// Translates SQLite failures into the domain errors clients see.
enum StorageErrors {
    static func map(_ error: any Error) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        switch error.resultCode.primaryResultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return FirstComeError.storageBusy
        case .SQLITE_FULL:
            return FirstComeError.storageUnavailable("disk full")
        case .SQLITE_READONLY:
            return FirstComeError.storageUnavailable("database is read-only")
        case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return FirstComeError.storageUnavailable(error.message ?? "I/O error")
        case .SQLITE_CONSTRAINT where error.extendedResultCode == .SQLITE_CONSTRAINT_CHECK:
            return FirstComeError.schemaRefused
        case .SQLITE_TOOBIG:
            return FirstComeError.payloadTooLarge("a value is too large to store")
        default:
            return error
        }
    }

    /// Runs `body`, translating SQLite failures.
    static func translating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw map(error)
        }
    }

    /// Runs `body`, translating SQLite failures.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw map(error)
        }
    }
}
