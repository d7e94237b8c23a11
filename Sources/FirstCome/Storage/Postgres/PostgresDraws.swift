import Logging
import PostgresNIO

extension PostgresEntryStore {
    public func makeDueDraws(now: Int64) async throws -> [String] {
        let pending = try await PostgresErrors.translating {
            try await client.withConnection { connection in
                try await PostgresEventRow.all(
                    try await connection.query(
                        "SELECT \(unescaped: PostgresEventRow.columns) FROM events \(unescaped: EventColumns.undrawnFilter)", logger: logger))
            }
        }
        var drawn: [String] = []
        for candidate in pending where candidate.drawDue(at: now) {
            guard let made = try await draw(candidate.id, now: now) else { continue }
            board.update(made.event, places: Places(seqAtPlace: made.order))
            drawn.append(made.event.id)
        }
        return drawn
    }

    /// Makes one event's draw in the transaction that locks its row (any node may;
    /// the lock and the `drawn_at` check make it happen once).
    private func draw(_ id: String, now: Int64) async throws -> DrawProcedure.Made? {
        try await PostgresErrors.translating {
            try await client.withTransaction(logger: logger) { connection -> DrawProcedure.Made? in
                let event = try await PostgresEventRow.fetchRequired(connection, id: id, lock: true, logger: logger)
                guard var made = try await connection.run(DrawProcedure.make(event, now: now), logger: logger) else { return nil }
                made.event = try await PostgresEventRow.fetch(connection, key: event.key, logger: logger)
                return made
            }
        }
    }

    public func postBeacon(event id: String, value: String, now: Int64) async throws -> Event {
        let event = try await PostgresErrors.translating {
            try await client.withTransaction(logger: logger) { connection in
                let event = try await PostgresEventRow.fetchRequired(connection, id: id, lock: true, logger: logger).withBeacon(value, now: now)
                try await connection.run(EventSQL.beacon(event), logger: logger)
                return try await PostgresEventRow.fetch(connection, key: event.key, logger: logger)
            }
        }
        board.update(event)
        return event
    }
}
