import PostgresNIO

/// An event's course per second (`EventTimeline`).
extension PostgresEntryStore {
    public func timeline(event id: String) async throws -> EventTimeline {
        try await PostgresErrors.translating {
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
                let key = try await PostgresEventRow.fetchRequired(connection, id: id, logger: logger).key
                var results: [[EventTimeline.Count]] = []
                for sql in EventTimeline.queries {
                    var counts: [EventTimeline.Count] = []
                    for try await (value, count) in try await connection.query(Self.query(sql, [key]), logger: logger).decode((Int64, Int64).self) {
                        counts.append(.init(value, count))
                    }
                    results.append(counts)
                }
                return EventTimeline(results: results)
            }
        }
    }
}
