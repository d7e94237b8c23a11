import Foundation
import GRDB

/// The award rule, applied inside a write transaction: waiting entries are decided
/// strictly in seq order; the first ones win while prizes remain, then all lose.
/// With presence expiry on, an entry whose entrant is gone when its turn comes
/// expires instead, and the prize goes on to the next entry.
enum Award {
    struct Outcome {
        var decided: ClosedRange<Int64>?
        var won: Int64 = 0
        var expired: [Int64] = []
    }

    /// Tells whether the entrant of a waiting entry is still there.
    struct PresenceCheck {
        /// Longest absence allowed, in milliseconds.
        var timeout: Int64
        /// What memory knows of a seq: the last time it was seen, and whether a live stream is open.
        var recent: (Int64) -> (seenAt: Int64?, streaming: Bool)
    }

    static func chain(_ db: Database, eventKey: Int64, seq: Int64) throws -> [UInt8] {
        let data = try Data.fetchOne(
            db.cachedStatement(sql: "SELECT chain FROM entries WHERE event_key = ? AND seq = ?"), arguments: [eventKey, seq])
        return data.map { [UInt8]($0) } ?? []
    }

    /// Decides up to `limit` waiting entries of `event` (all of them once sold out),
    /// writes the decision, and updates `event` to match the database.
    static func decide(
        _ db: Database, event: inout Event, limit: Int64?, now: Int64, presence: PresenceCheck? = nil
    ) throws -> Outcome {
        let waiting = event.waiting
        guard waiting > 0 else { return Outcome() }
        let first = event.serving + 1
        var last = first + min(waiting, max(limit ?? waiting, 1)) - 1
        var outcome = Outcome()
        var runs: [ClosedRange<Int64>] = []
        if let presence, event.remaining > 0 {
            for (seq, seenAt) in try lastSeen(db, eventKey: event.key, seqs: first...last) {
                if outcome.won == event.remaining { break }  // sold out: the rest lose
                let recent = presence.recent(seq)
                if recent.streaming || now - max(seenAt, recent.seenAt ?? seenAt) <= presence.timeout {
                    outcome.won += 1
                    if let run = runs.last, run.upperBound == seq - 1 { runs[runs.count - 1] = run.lowerBound...seq } else { runs.append(seq...seq) }
                } else {
                    outcome.expired.append(seq)
                }
            }
        } else {
            outcome.won = min(last - first + 1, event.remaining)
            if outcome.won > 0 { runs = [first...(first + outcome.won - 1)] }
        }
        // Triggers count each win into events.awarded, which the schema caps at prizes.
        let win = try db.cachedStatement(
            sql: "UPDATE entries SET status = 'won', decided_at = ? WHERE event_key = ? AND seq BETWEEN ? AND ?")
        for run in runs { try win.execute(arguments: [now, event.key, run.lowerBound, run.upperBound]) }
        let expire = try db.cachedStatement(sql: "INSERT INTO expirations (event_key, seq, expired_at) VALUES (?, ?, ?)")
        for seq in outcome.expired { try expire.execute(arguments: [event.key, seq, now]) }
        event.awarded += outcome.won
        if event.isSoldOut { last = event.entries }
        try db.cachedStatement(sql: "INSERT INTO decisions (event_key, last_seq, first_seq, decided_at) VALUES (?, ?, ?, ?)")
            .execute(arguments: [event.key, last, first, now])
        try db.cachedStatement(sql: "UPDATE events SET serving = ? WHERE key = ?").execute(arguments: [last, event.key])
        event.serving = last
        let entryChain = last == event.entries ? event.head : try chain(db, eventKey: event.key, seq: last)
        try ControlLog.append(
            db, event: &event,
            record: AuditRecords.decision(
                firstSeq: first, lastSeq: last, won: outcome.won, expired: outcome.expired, decidedAt: now, entryChain: entryChain))
        outcome.decided = first...last
        return outcome
    }

    /// The stored last-seen time of each seq: its submission, or a later presence
    /// record written by `PresenceLog`.
    static func lastSeen(_ db: Database, eventKey: Int64, seqs: ClosedRange<Int64>) throws -> [(Int64, Int64)] {
        let statement = try db.cachedStatement(
            sql: """
                SELECT e.seq, max(e.created_at, coalesce(p.seen_at, 0)) FROM entries e
                  LEFT JOIN presence p ON p.event_key = e.event_key AND p.seq = e.seq
                 WHERE e.event_key = ? AND e.seq BETWEEN ? AND ? ORDER BY e.seq
                """)
        return try Row.fetchAll(statement, arguments: [eventKey, seqs.lowerBound, seqs.upperBound]).map { ($0[0], $0[1]) }
    }
}
