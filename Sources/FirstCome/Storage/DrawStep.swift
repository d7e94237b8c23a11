import Foundation
import GRDB

/// Makes an event's draw inside a SQLite write transaction: the entries created
/// before the cutoff get their places, and the draw record joins the control log.
enum DrawStep {
    /// Draws `event` if its draw is due at `now`; returns the seqs in place order
    /// (empty when nothing was drawn, or nobody entered before the cutoff).
    static func make(_ db: Database, event: inout Event, now: Int64) throws -> [Int64]? {
        guard event.drawDue(at: now), let cutoff = event.drawCutoff else { return nil }
        guard let secret = try Data.fetchOne(db.cachedStatement(sql: "SELECT draw_secret FROM events WHERE key = ?"), arguments: [event.key])
        else { throw FirstComeError.internalError }
        let drawn = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT coalesce(max(seq), 0) FROM entries WHERE event_key = ? AND created_at < ?"),
            arguments: [event.key, cutoff]) ?? 0
        let entryChain = drawn == 0 ? event.genesis : try Award.chain(db, eventKey: event.key, seq: drawn)
        let lastCreated = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT created_at FROM entries WHERE event_key = ? AND seq = ?"), arguments: [event.key, drawn])
        let plan = DrawPlan(
            event: event, cutoff: cutoff, secret: [UInt8](secret), drawn: drawn, entryChain: entryChain, lastCreated: lastCreated, now: now)
        // Written in seq order: the rows are visited along the primary key, not at random.
        var placeOfSeq = [Int64](repeating: 0, count: plan.order.count)
        for (index, seq) in plan.order.enumerated() { placeOfSeq[Int(seq - 1)] = Int64(index + 1) }
        let place = try db.cachedStatement(sql: "UPDATE entries SET place = ? WHERE event_key = ? AND seq = ?")
        for (index, value) in placeOfSeq.enumerated() { try place.execute(arguments: [value, event.key, index + 1]) }
        try db.cachedStatement(sql: "UPDATE events SET draw_cutoff = ?, drawn = ?, drawn_at = ? WHERE key = ?")
            .execute(arguments: [cutoff, drawn, plan.made.drawnAt, event.key])
        event.draw = plan.made
        try ControlLog.append(db, event: &event, record: plan.record)
        return plan.order
    }
}
