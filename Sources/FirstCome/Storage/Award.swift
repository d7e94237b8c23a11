import Foundation
import GRDB

/// The award rule, applied inside a write transaction: waiting entries are decided
/// strictly in seq order; the first ones win while prizes remain, then all lose.
enum Award {
    struct Outcome {
        var decided: ClosedRange<Int64>?
        var won: ClosedRange<Int64>?
    }

    static func chain(_ db: Database, eventKey: Int64, seq: Int64) throws -> [UInt8] {
        let data = try Data.fetchOne(
            db.cachedStatement(sql: "SELECT chain FROM entries WHERE event_key = ? AND seq = ?"), arguments: [eventKey, seq])
        return data.map { [UInt8]($0) } ?? []
    }

    /// Decides up to `limit` waiting entries of `event` (all of them once sold out),
    /// writes the decision, and updates `event` to match the database.
    static func decide(_ db: Database, event: inout Event, limit: Int64?, now: Int64) throws -> Outcome {
        let waiting = event.waiting
        guard waiting > 0 else { return Outcome() }
        let first = event.serving + 1
        var count = min(waiting, max(limit ?? waiting, 1))
        let wins = min(count, event.remaining)
        var won: ClosedRange<Int64>?
        if wins > 0 {
            let range = first...(first + wins - 1)
            // Triggers count each win into events.awarded, which the schema caps at prizes.
            try db.cachedStatement(
                sql: "UPDATE entries SET status = 'won', decided_at = ? WHERE event_key = ? AND seq BETWEEN ? AND ?"
            ).execute(arguments: [now, event.key, range.lowerBound, range.upperBound])
            event.awarded += wins
            won = range
        }
        if event.isSoldOut { count = waiting }
        let last = first + count - 1
        try db.cachedStatement(sql: "INSERT INTO decisions (event_key, last_seq, first_seq, decided_at) VALUES (?, ?, ?, ?)")
            .execute(arguments: [event.key, last, first, now])
        try db.cachedStatement(sql: "UPDATE events SET serving = ? WHERE key = ?").execute(arguments: [last, event.key])
        event.serving = last
        let entryChain = last == event.entries ? event.head : try chain(db, eventKey: event.key, seq: last)
        try ControlLog.append(
            db, event: &event,
            record: AuditRecords.decision(firstSeq: first, lastSeq: last, won: wins, decidedAt: now, entryChain: entryChain))
        return Outcome(decided: first...last, won: won)
    }
}
