/// Makes an event's draw inside a store's write transaction, written once for
/// both stores: the entries created before the cutoff get their places, and the
/// draw record joins the control log.
enum DrawProcedure {
    /// The most entries one statement places (two values each; SQLite binds at most 32766).
    static let placesPerStatement = 4096

    struct Made {
        /// The event with its draw, as the draw leaves it.
        var event: Event
        /// The seqs in place order (empty when nobody entered before the cutoff).
        var order: [Int64]
    }

    /// Draws `event` if its draw is due at `now` (`nil` if it is not); the
    /// caller's transaction holds `event`'s row.
    static func make(_ event: Event, now: Int64) -> SQLProcedure<Made?> {
        guard event.drawDue(at: now), let cutoff = event.drawCutoff else { return .done(nil) }
        let read = SQLStatement(
            sql: """
                SELECT ev.draw_secret, coalesce(k.seq, 0), k.created_at, k.chain FROM events ev
                  LEFT JOIN (SELECT seq, created_at, chain FROM entries WHERE event_key = $1 AND created_at < $2
                              ORDER BY seq DESC LIMIT 1) k ON 1 = 1
                 WHERE ev.key = $1
                """,
            values: [.integer(event.key), .integer(cutoff)])
        return .run([read]) { rows in
            guard let row = rows[0].first, let secret = try row.bytesOrNil(0), secret.count == DrawAlgorithm.secretSize
            else { throw FirstComeError.internalError }
            let drawn = try row.integer(1)
            let entryChain = drawn == 0 ? event.genesis : try row.bytesOrNil(3) ?? []
            let plan = DrawPlan(
                event: event, cutoff: cutoff, secret: secret, drawn: drawn, entryChain: entryChain, lastCreated: try row.integerOrNil(2), now: now)
            var writes = places(eventKey: event.key, order: plan.order)
            writes.append(
                SQLStatement(
                    sql: "UPDATE events SET draw_cutoff = $1, drawn = $2, drawn_at = $3 WHERE key = $4",
                    values: [.integer(cutoff), .integer(drawn), .integer(plan.made.drawnAt), .integer(event.key)]))
            var made = event
            made.draw = plan.made
            writes += ControlLogSQL.append(&made, record: plan.record)
            return .writes(writes, then: Made(event: made, order: plan.order))
        }
    }

    /// Gives each drawn seq its place, in seq order (the rows are visited along
    /// the primary key, not at random).
    private static func places(eventKey: Int64, order: [Int64]) -> [SQLStatement] {
        var placeOfSeq = [Int64](repeating: 0, count: order.count)
        for (index, seq) in order.enumerated() { placeOfSeq[Int(seq - 1)] = Int64(index + 1) }
        return stride(from: 0, to: placeOfSeq.count, by: placesPerStatement).map { start in
            let end = min(start + placesPerStatement, placeOfSeq.count)
            let padded = SQLStatement.paddedCount(end - start)
            var values: [SQLStatement.Value] = [.integer(eventKey)]
            for offset in 0..<padded {
                let index = min(start + offset, end - 1)
                values += [.integer(Int64(index + 1)), .integer(placeOfSeq[index])]
            }
            let rows = (0..<padded).map { "($\(2 + 2 * $0), $\(3 + 2 * $0))" }.joined(separator: ", ")
            return SQLStatement(
                sql: """
                    UPDATE entries SET place = v.column2 FROM (VALUES \(rows)) AS v
                     WHERE entries.event_key = $1 AND entries.seq = v.column1
                    """,
                values: values)
        }
    }
}
