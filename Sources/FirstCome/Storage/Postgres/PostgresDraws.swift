import Logging
import PostgresNIO

extension PostgresEntryStore {
    public func makeDueDraws(now: Int64) async throws -> [String] {
        let pending = try await PostgresErrors.translating {
            try await client.withConnection { connection in
                try await PostgresEventRow.all(
                    try await connection.query(
                        "SELECT \(unescaped: PostgresEventRow.columns) FROM events WHERE draw_order <> 'fifo' AND drawn_at IS NULL",
                        logger: logger))
            }
        }
        var drawn: [String] = []
        for candidate in pending where candidate.drawDue(at: now) {
            guard let (event, order) = try await draw(candidate.id, now: now) else { continue }
            board.update(event, places: Places(seqAtPlace: order))
            drawn.append(event.id)
        }
        return drawn
    }

    /// Makes one event's draw in the transaction that locks its row (any node may;
    /// the lock and the `drawn_at` check make it happen once).
    private func draw(_ id: String, now: Int64) async throws -> (Event, [Int64])? {
        try await PostgresErrors.translating {
            try await client.withTransaction(logger: logger) { connection -> (Event, [Int64])? in
                var event = try await PostgresEventRow.fetchRequired(connection, id: id, lock: true, logger: logger)
                guard event.drawDue(at: now), let cutoff = event.drawCutoff else { return nil }
                var secret: [UInt8] = []
                var drawn: Int64 = 0
                var lastCreated: Int64?
                for try await (value, last, created) in try await connection.query(
                    """
                    SELECT ev.draw_secret, coalesce(k.seq, 0), k.created_at FROM events ev
                      LEFT JOIN LATERAL (SELECT seq, created_at FROM entries WHERE event_key = ev.key AND created_at < \(cutoff)
                                          ORDER BY seq DESC LIMIT 1) k ON true
                     WHERE ev.key = \(event.key)
                    """, logger: logger
                ).decode((ByteBuffer, Int64, Int64?).self) {
                    secret = PostgresEventRow.bytes(value)
                    drawn = last
                    lastCreated = created
                }
                guard secret.count == DrawAlgorithm.secretSize else { throw FirstComeError.internalError }
                let entryChain = drawn == 0 ? event.genesis : try await chain(connection, eventKey: event.key, seq: drawn)
                let plan = DrawPlan(
                    event: event, cutoff: cutoff, secret: secret, drawn: drawn, entryChain: entryChain, lastCreated: lastCreated, now: now)
                if drawn > 0 {
                    try await connection.query(
                        """
                        UPDATE entries e SET place = p.place
                          FROM unnest(\(plan.order)::bigint[]) WITH ORDINALITY AS p(seq, place)
                         WHERE e.event_key = \(event.key) AND e.seq = p.seq
                        """, logger: logger)
                }
                try await connection.query(
                    "UPDATE events SET draw_cutoff = \(cutoff), drawn = \(drawn), drawn_at = \(plan.made.drawnAt) WHERE key = \(event.key)",
                    logger: logger)
                event.draw = plan.made
                try await PostgresControlLog.append(connection, event: &event, record: plan.record, logger: logger)
                return (try await PostgresEventRow.fetch(connection, key: event.key, logger: logger), plan.order)
            }
        }
    }

    public func postBeacon(event id: String, value: String, now: Int64) async throws -> Event {
        let event = try await PostgresErrors.translating {
            try await client.withTransaction(logger: logger) { connection in
                let event = try await PostgresEventRow.fetchRequired(connection, id: id, lock: true, logger: logger).withBeacon(value, now: now)
                try await connection.query("UPDATE events SET beacon_value = \(event.beaconValue) WHERE key = \(event.key)", logger: logger)
                return try await PostgresEventRow.fetch(connection, key: event.key, logger: logger)
            }
        }
        board.update(event)
        return event
    }
}
