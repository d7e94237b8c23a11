/// Applies the award rule (`AwardPlan`) inside a store's write transaction,
/// written once for both stores.
enum AwardProcedure {
    struct Outcome {
        var decided: ClosedRange<Int64>?
        var won: Int64 = 0
        var expired: [Int64] = []
        /// The decision's time: the caller's, or the previous decision's if later.
        var decidedAt: Int64 = 0
        /// The event as the decision leaves it (the schema's counters included).
        var event: Event
    }

    /// The most expired places one statement names (SQLite binds at most 32766 values).
    static let expiredPerStatement = 1024

    /// Decides up to `limit` waiting entries of `event` (all of them once sold out)
    /// and writes the decision; the caller's transaction holds `event`'s row.
    static func decide(_ event: Event, limit: Int64?, now: Int64, presence: AwardPlan.PresenceCheck?) -> SQLProcedure<Outcome> {
        guard let window = AwardPlan.window(event, limit: limit) else { return .done(Outcome(event: event)) }
        let check = event.remaining > 0 ? presence : nil
        let drawn = event.draw?.drawn ?? 0
        // A decision that stops inside the window's end carries that seq's link;
        // one that runs to the last entry (a sell-out) carries the head.
        let windowChain = AwardPlan.chainSeq(last: window.upperBound, drawn: drawn)
        let earlier = SQLStatement(
            sql: """
                SELECT (SELECT decided_at FROM decisions WHERE event_key = $1 ORDER BY last_seq DESC LIMIT 1),
                       (SELECT created_at FROM entries WHERE event_key = $1 AND seq = $2),
                       (SELECT chain FROM entries WHERE event_key = $1 AND seq = $3)
                """,
            values: [.integer(event.key), .integer(event.entries), .integer(windowChain)])
        let seen = check == nil ? [] : PlaceRanges.split(window, drawn: drawn).map { lastSeen(eventKey: event.key, part: $0.0, byPlace: $0.1) }
        return .run([earlier] + seen) { rows in
            guard let times = rows[0].first else { throw FirstComeError.internalError }
            let now = AwardPlan.decisionTime(now, event: event, earlier: [try times.integerOrNil(0), try times.integerOrNil(1)].compactMap { $0 })
            let lastSeen = try rows.dropFirst().joined().map { AwardPlan.Seen(place: try $0.integer(0), seq: try $0.integer(1), seenAt: try $0.integer(2)) }
            let plan = AwardPlan.plan(event, window: window, now: now, presence: check, lastSeen: lastSeen)
            let chainSeq = AwardPlan.chainSeq(last: plan.last, drawn: drawn)
            let entryChain: [UInt8]
            if chainSeq == event.entries {
                entryChain = event.head
            } else if chainSeq == windowChain, let link = try times.bytesOrNil(2) {
                entryChain = link
            } else {
                throw FirstComeError.internalError
            }
            // Order matters to the triggers: entries and expirations change while
            // their places are still above `serving`; triggers count each win into
            // events.awarded, which the schema caps at prizes.
            var writes = plan.wins.flatMap { run in
                PlaceRanges.split(run, drawn: drawn).map { win(eventKey: event.key, part: $0.0, byPlace: $0.1, at: now) }
            }
            writes += expirations(eventKey: event.key, places: plan.expired, drawn: drawn, at: now)
            writes.append(
                SQLStatement(
                    sql: "INSERT INTO decisions (event_key, last_seq, first_seq, decided_at) VALUES ($1, $2, $3, $4)",
                    values: [.integer(event.key), .integer(plan.last), .integer(plan.first), .integer(now)]))
            writes.append(SQLStatement(sql: "UPDATE events SET serving = $1 WHERE key = $2", values: [.integer(plan.last), .integer(event.key)]))
            var decided = plan.applied(to: event)
            writes += ControlLogSQL.append(&decided, record: plan.record(decidedAt: now, entryChain: entryChain, places: event.order.draws))
            return .writes(writes, then: Outcome(decided: plan.first...plan.last, won: plan.won, expired: plan.expired, decidedAt: now, event: decided))
        }
    }

    /// The stored last-seen time of the entry at each place of `part`: its
    /// submission, or a later presence record written by `PresenceLog`.
    private static func lastSeen(eventKey: Int64, part: ClosedRange<Int64>, byPlace: Bool) -> SQLStatement {
        let column = byPlace ? "e.place" : "e.seq"
        return SQLStatement(
            sql: """
                SELECT \(column), e.seq, CASE WHEN p.seen_at > e.created_at THEN p.seen_at ELSE e.created_at END FROM entries e
                  LEFT JOIN presence p ON p.event_key = e.event_key AND p.seq = e.seq
                 WHERE e.event_key = $1 AND \(column) BETWEEN $2 AND $3 ORDER BY \(column)
                """,
            values: [.integer(eventKey), .integer(part.lowerBound), .integer(part.upperBound)])
    }

    private static func win(eventKey: Int64, part: ClosedRange<Int64>, byPlace: Bool, at now: Int64) -> SQLStatement {
        SQLStatement(
            sql: "UPDATE entries SET status = 'won', decided_at = $1 WHERE event_key = $2 AND \(byPlace ? "place" : "seq") BETWEEN $3 AND $4",
            values: [.integer(now), .integer(eventKey), .integer(part.lowerBound), .integer(part.upperBound)])
    }

    /// Records the entries at `places` as expired: drawn places name a drawn entry,
    /// places after the draw (all of them under fifo) a seq.
    private static func expirations(eventKey: Int64, places: [Int64], drawn: Int64, at now: Int64) -> [SQLStatement] {
        stride(from: 0, to: places.count, by: expiredPerStatement).map { start in
            let chunk = Array(places[start..<min(start + expiredPerStatement, places.count)])
            let drawnPlaces = chunk.filter { $0 <= drawn }, seqs = chunk.filter { $0 > drawn }
            var values: [SQLStatement.Value] = [.integer(eventKey), .integer(now)]
            var terms: [String] = []
            for (list, term) in [(drawnPlaces, "place IN"), (seqs, "place IS NULL AND seq IN")] where !list.isEmpty {
                let padded = SQLStatement.paddedCount(list.count)
                terms.append("(\(term) (\(SQLStatement.binds(from: values.count + 1, count: padded))))")
                values += (0..<padded).map { .integer(list[min($0, list.count - 1)]) }
            }
            return SQLStatement(
                sql: """
                    INSERT INTO expirations (event_key, seq, expired_at)
                    SELECT event_key, seq, $2 FROM entries WHERE event_key = $1 AND (\(terms.joined(separator: " OR ")))
                    """,
                values: values)
        }
    }
}
