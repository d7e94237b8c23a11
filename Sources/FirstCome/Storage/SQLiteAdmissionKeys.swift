import GRDB

/// The admission signing keys in a SQLite database.
extension SQLiteEntryStore {
    public func admissionKeys() async throws -> [StoredAdmissionKey] {
        try await StorageErrors.translating { try await pool.read { db in try Self.keys(db) } }
    }

    public func ensureAdmissionKeys(_ initial: [StoredAdmissionKey]) async throws -> [StoredAdmissionKey] {
        try await StorageErrors.translating {
            try await pool.write { db in
                if try Self.keys(db).isEmpty { for key in initial { try Self.insert(db, key) } }
                return try Self.keys(db)
            }
        }
    }

    public func rotateAdmissionKeys(adding key: StoredAdmissionKey, now: Int64, dropRetiredBefore: Int64) async throws -> [String] {
        try await StorageErrors.translating {
            try await pool.write { db in
                let dropped = try String.fetchAll(
                    db, sql: "SELECT kid FROM admission_keys WHERE retired_at < ? ORDER BY created_at", arguments: [dropRetiredBefore])
                try db.execute(sql: "DELETE FROM admission_keys WHERE retired_at < ?", arguments: [dropRetiredBefore])
                try db.execute(sql: "UPDATE admission_keys SET retired_at = ? WHERE retired_at IS NULL", arguments: [now])
                try Self.insert(db, key)
                return dropped
            }
        }
    }

    static func keys(_ db: Database) throws -> [StoredAdmissionKey] {
        try Row.fetchAll(db, sql: "SELECT kid, created_at, retired_at, private_pem FROM admission_keys ORDER BY created_at, kid").map {
            StoredAdmissionKey(kid: $0[0], createdAt: $0[1], retiredAt: $0[2], privateKeyPEM: $0[3])
        }
    }

    static func insert(_ db: Database, _ key: StoredAdmissionKey) throws {
        try db.execute(
            sql: "INSERT INTO admission_keys (kid, created_at, retired_at, private_pem) VALUES (?, ?, ?, ?)",
            arguments: [key.kid, key.createdAt, key.retiredAt, key.privateKeyPEM])
    }
}
