import Foundation
import GRDB
import GRDBSQLite

/// One group-commit batch: records every submission of the batch in a single write
/// transaction, assigning gapless seqs per event in order of arrival.
struct SubmitTransaction {
    let db: Database
    let now: Int64

    /// The outcome of a batch: per-submission results (in order, as `(event key,
    /// seq, created)` or a refusal) and the events it changed, as committed.
    struct Outcome {
        var items: [CommittedSubmission] = []
        var events: [Int64: Event] = [:]
        var decisions: [Int64: EventBoard.Decision] = [:]
        /// The chain links of the new entries, per event, in seq order (32 bytes each).
        var chains: [Int64: [UInt8]] = [:]
    }

    func run(_ batch: [Submission]) throws -> Outcome {
        var outcome = Outcome()
        outcome.items.reserveCapacity(batch.count)
        // The batch's events, changed in place as entries go in (a copy per entry
        // would retain and release every field of the event), and their new links.
        var events: [Event] = []
        var chains: [[UInt8]] = []
        // Where each event id of the batch is in `events`; nil: no such event.
        var found: [String: Int?] = [:]

        let findUser = try db.cachedStatement(sql: "SELECT seq FROM entries WHERE event_key = ? AND user = ?")
        // A user already entered hits the unique index and inserts nothing: one
        // index probe for a new entry, instead of a lookup and then the insert's own.
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO entries (event_key, seq, user, payload, created_at, chain) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (event_key, user) DO NOTHING
                """)

        for submission in batch {
            let id = submission.event
            let slot: Int?
            if let known = found[id] {
                slot = known
            } else {
                if let event = try EventRow.fetch(db, id: id) {
                    events.append(event)
                    chains.append([])
                    slot = events.count - 1
                } else {
                    slot = nil
                }
                found[id] = slot
            }
            guard let index = slot else {
                outcome.items.append(.rejected(.eventNotFound(id)))
                continue
            }
            let key = events[index].key
            // An entrant already in gets their entry back, open or not.
            func existing() throws -> Bool {
                guard let seq = try Int64.fetchOne(findUser, arguments: [key, submission.user]) else { return false }
                outcome.items.append(.entry(eventKey: key, seq: seq, created: false))
                return true
            }
            guard events[index].acceptsEntries(at: now) else {
                if try !existing() { outcome.items.append(.rejected(.eventNotOpen(event: id, state: events[index].state(at: now)))) }
                continue
            }
            guard events[index].entries < EntrantTokens.maxSeq else {
                if try !existing() { outcome.items.append(.rejected(.eventNotOpen(event: id, state: .closed))) }
                continue
            }
            let seq = events[index].entries + 1
            let createdAt = events[index].entryTime(now)
            let head = AuditRecords.link(events[index].head, AuditRecords.entry(seq: seq, createdAt: createdAt, submission.record))
            do {
                try insert.execute(arguments: [key, seq, submission.user, submission.payload, createdAt, Data(head)])
            } catch let error as DatabaseError
                where error.extendedResultCode == .SQLITE_CONSTRAINT_CHECK || error.extendedResultCode == .SQLITE_CONSTRAINT_TRIGGER
            {
                // A CHECK, or the trigger that holds names to their length: SQLite undoes
                // the one statement and the transaction goes on, so only this row is refused.
                // The statement keeps its error until it is reset; GRDB's next execution
                // would report it again, so reset it here.
                sqlite3_reset(insert.sqliteStatement)
                outcome.items.append(.rejected(.schemaRefused))
                continue
            }
            if db.changesCount == 0 {
                // The unique index refused it: this user is in already.
                guard try existing() else { throw DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "entry neither inserted nor found") }
                continue
            }
            events[index].entries = seq
            events[index].head = head
            chains[index].append(contentsOf: head)
            outcome.items.append(.entry(eventKey: key, seq: seq, created: true))
        }

        // Persist the new counters, then decide at once where the rules say so.
        let updateEntries = try db.cachedStatement(sql: "UPDATE events SET entries = ?, head = ? WHERE key = ?")
        for index in events.indices where !chains[index].isEmpty {
            var event = events[index]
            try updateEntries.execute(arguments: [event.entries, Data(event.head), event.key])
            if event.decidesAtEntry {
                let decided = try db.run(AwardProcedure.decide(event, limit: nil, now: now, presence: nil))
                event = decided.event
                if let range = decided.decided { outcome.decisions[event.key] = EventBoard.Decision(lastSeq: range.upperBound, decidedAt: decided.decidedAt) }
                events[index] = event
            }
            outcome.chains[event.key] = chains[index]
        }
        for event in events { outcome.events[event.key] = event }
        return outcome
    }
}
