import GRDB

/// An event's course per second (`EventTimeline`).
extension SQLiteEntryStore {
    public func timeline(event id: String) async throws -> EventTimeline {
        try await StorageErrors.translating {
            try await pool.read { db in
                let event = try EventRow.fetchRequired(db, id: id)
                return EventTimeline(
                    results: try EventTimeline.queries.map { sql in
                        try Row.fetchAll(db, sql: PortableSQL.sqlite(sql), arguments: [event.key]).map { EventTimeline.Count($0[0], $0[1]) }
                    })
            }
        }
    }
}
