import Foundation
import GRDB

/// One group-commit batch: records every submission of the batch in a single write
/// transaction, assigning gapless seqs per event in order of arrival.
struct SubmitTransaction {
    let db: Database
    let now: Int64

    /// The outcome of a batch: per-submission results (in order, as `(event key,
    /// seq, created)` or a refusal) and the events it changed, as committed.
    struct Outcome {
        enum Item {
            case entry(eventKey: Int64, seq: Int64, created: Bool)
            case rejected(FirstComeError)
        }

        var items: [Item] = []
        var events: [Int64: Event] = [:]
        var decisions: [Int64: EventBoard.Decision] = [:]
        /// The chain links of the new entries, per event, in seq order (32 bytes each).
        var chains: [Int64: [UInt8]] = [:]
    }

    func run(_ batch: [Submission]) throws -> Outcome {
        var outcome = Outcome()
        outcome.items.reserveCapacity(batch.count)
        var keys: [String: Int64] = [:]
        var missing: Set<String> = []
        var touched: [Int64] = []

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
            if keys[id] == nil && !missing.contains(id) {
                if let event = try EventRow.fetch(db, id: id) {
                    keys[id] = event.key
                    outcome.events[event.key] = event
                } else {
                    missing.insert(id)
                }
            }
            guard let key = keys[id], var event = outcome.events[key] else {
                outcome.items.append(.rejected(.eventNotFound(id)))
                continue
            }
            // An entrant already in gets their entry back, open or not.
            func existing() throws -> Bool {
                guard let seq = try Int64.fetchOne(findUser, arguments: [key, submission.user]) else { return false }
                outcome.items.append(.entry(eventKey: key, seq: seq, created: false))
                return true
            }
            guard event.acceptsEntries(at: now) else {
                if try !existing() { outcome.items.append(.rejected(.eventNotOpen(event: id, state: event.state(at: now)))) }
                continue
            }
            guard event.entries < EntrantTokens.maxSeq else {
                if try !existing() { outcome.items.append(.rejected(.eventNotOpen(event: id, state: .closed))) }
                continue
            }
            let seq = event.entries + 1
            let createdAt = event.entryTime(now)
            let record = AuditRecords.entry(
                seq: seq, user: submission.user, createdAt: createdAt, payloadDigest: AuditRecords.payloadDigest(submission.payload))
            let head = AuditRecords.link(event.head, record)
            try insert.execute(arguments: [key, seq, submission.user, submission.payload, createdAt, Data(head)])
            if db.changesCount == 0 {
                // The unique index refused it: this user is in already.
                guard try existing() else { throw DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "entry neither inserted nor found") }
                continue
            }
            event.entries = seq
            event.head = head
            outcome.chains[key, default: []].append(contentsOf: event.head)
            if !touched.contains(key) { touched.append(key) }
            outcome.events[key] = event
            outcome.items.append(.entry(eventKey: key, seq: event.entries, created: true))
        }

        // Persist the new counters, then decide at once where the rules say so:
        // direct mode, or an event already sold out (every new entry is lost).
        let updateEntries = try db.cachedStatement(sql: "UPDATE events SET entries = ?, head = ? WHERE key = ?")
        for key in touched {
            guard var event = outcome.events[key] else { continue }
            try updateEntries.execute(arguments: [event.entries, Data(event.head), key])
            if (event.mode == .direct || event.isSoldOut) && !event.paused {
                let decided = try Award.decide(db, event: &event, limit: nil, now: now)
                if let range = decided.decided { outcome.decisions[key] = EventBoard.Decision(lastSeq: range.upperBound, decidedAt: decided.decidedAt) }
                outcome.events[key] = event
            }
        }
        return outcome
    }
}
