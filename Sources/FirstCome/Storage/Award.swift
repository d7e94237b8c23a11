import Foundation
import GRDB

/// Applies the award rule (`AwardPlan`) inside a SQLite write transaction.
enum Award {
    struct Outcome {
        var decided: ClosedRange<Int64>?
        var won: Int64 = 0
        var expired: [Int64] = []
        /// The decision's time: the caller's, or the previous decision's if later.
        var decidedAt: Int64 = 0
    }

    static func chain(_ db: Database, eventKey: Int64, seq: Int64) throws -> [UInt8] {
        let data = try Data.fetchOne(
            db.cachedStatement(sql: "SELECT chain FROM entries WHERE event_key = ? AND seq = ?"), arguments: [eventKey, seq])
        return data.map { [UInt8]($0) } ?? []
    }

    /// Decides up to `limit` waiting entries of `event` (all of them once sold out),
    /// writes the decision, and updates `event` to match the database.
    static func decide(
        _ db: Database, event: inout Event, limit: Int64?, now: Int64, presence: AwardPlan.PresenceCheck? = nil
    ) throws -> Outcome {
        guard let window = AwardPlan.window(event, limit: limit) else { return Outcome() }
        let previous = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT decided_at FROM decisions WHERE event_key = ? ORDER BY last_seq DESC LIMIT 1"), arguments: [event.key])
        let newest = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT created_at FROM entries WHERE event_key = ? AND seq = ?"), arguments: [event.key, event.entries])
        let now = AwardPlan.decisionTime(now, event: event, earlier: [previous, newest].compactMap { $0 })
        let check = event.remaining > 0 ? presence : nil
        let drawn = event.draw?.drawn ?? 0
        let seen = check == nil ? [] : try lastSeen(db, eventKey: event.key, places: window, drawn: drawn)
        let plan = AwardPlan.plan(event, window: window, now: now, presence: check, lastSeen: seen)
        // Triggers count each win into events.awarded, which the schema caps at prizes.
        let winSeqs = try db.cachedStatement(
            sql: "UPDATE entries SET status = 'won', decided_at = ? WHERE event_key = ? AND seq BETWEEN ? AND ?")
        let winPlaces = try db.cachedStatement(
            sql: "UPDATE entries SET status = 'won', decided_at = ? WHERE event_key = ? AND place BETWEEN ? AND ?")
        for run in plan.wins {
            for (part, byPlace) in PlaceRanges.split(run, drawn: drawn) {
                try (byPlace ? winPlaces : winSeqs).execute(arguments: [now, event.key, part.lowerBound, part.upperBound])
            }
        }
        let expire = try db.cachedStatement(
            sql: """
                INSERT INTO expirations (event_key, seq, expired_at)
                SELECT event_key, seq, ? FROM entries WHERE event_key = ? AND (place = ? OR (place IS NULL AND seq = ?))
                """)
        for place in plan.expired { try expire.execute(arguments: [now, event.key, place, place > drawn ? place : 0]) }
        try db.cachedStatement(sql: "INSERT INTO decisions (event_key, last_seq, first_seq, decided_at) VALUES (?, ?, ?, ?)")
            .execute(arguments: [event.key, plan.last, plan.first, now])
        try db.cachedStatement(sql: "UPDATE events SET serving = ? WHERE key = ?").execute(arguments: [plan.last, event.key])
        let chainSeq = AwardPlan.chainSeq(last: plan.last, drawn: drawn)
        let entryChain = chainSeq == event.entries ? event.head : try chain(db, eventKey: event.key, seq: chainSeq)
        event = plan.applied(to: event)
        try ControlLog.append(db, event: &event, record: plan.record(decidedAt: now, entryChain: entryChain, places: event.order.draws))
        return Outcome(decided: plan.first...plan.last, won: plan.won, expired: plan.expired, decidedAt: now)
    }

    /// The stored last-seen time of the entry at each place of `places`: its
    /// submission, or a later presence record written by `PresenceLog`.
    static func lastSeen(_ db: Database, eventKey: Int64, places: ClosedRange<Int64>, drawn: Int64) throws -> [AwardPlan.Seen] {
        var seen: [AwardPlan.Seen] = []
        for (part, byPlace) in PlaceRanges.split(places, drawn: drawn) {
            let column = byPlace ? "e.place" : "e.seq"
            let statement = try db.cachedStatement(
                sql: """
                    SELECT \(column), e.seq, max(e.created_at, coalesce(p.seen_at, 0)) FROM entries e
                      LEFT JOIN presence p ON p.event_key = e.event_key AND p.seq = e.seq
                     WHERE e.event_key = ? AND \(column) BETWEEN ? AND ? ORDER BY \(column)
                    """)
            seen += try Row.fetchAll(statement, arguments: [eventKey, part.lowerBound, part.upperBound]).map {
                AwardPlan.Seen(place: $0[0], seq: $0[1], seenAt: $0[2])
            }
        }
        return seen
    }
}
