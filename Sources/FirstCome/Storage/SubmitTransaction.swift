import GRDB

/// One group-commit batch: records every submission of the batch in a single write
/// transaction, assigning gapless seqs per event in order of arrival.
struct SubmitTransaction {
    let db: Database
    let now: Int64

    /// What happened to a submission before the batch's decisions are known.
    private enum Pending {
        case created(eventID: String, seq: Int64, user: String, token: String)
        case existing(eventID: String, seq: Int64, user: String, token: String, won: Bool, createdAt: Int64, decidedAt: Int64?)
        case rejected(FirstComeError)
    }

    func run(_ batch: [Submission]) throws -> [SubmitResult] {
        var events: [String: Event] = [:]
        var missing: Set<String> = []
        var touched: [String] = []
        var pending: [Pending] = []
        pending.reserveCapacity(batch.count)

        let findUser = try db.cachedStatement(
            sql: "SELECT seq, token, status, created_at, decided_at FROM entries WHERE event_key = ? AND user = ?")
        let insert = try db.cachedStatement(
            sql: "INSERT INTO entries (event_key, seq, user, token, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)")

        for submission in batch {
            let id = submission.event
            if events[id] == nil && !missing.contains(id) {
                if let event = try EventRow.fetch(db, id: id) { events[id] = event } else { missing.insert(id) }
            }
            guard var event = events[id] else {
                pending.append(.rejected(.eventNotFound(id)))
                continue
            }
            if let row = try Row.fetchOne(findUser, arguments: [event.key, submission.user]) {
                pending.append(
                    .existing(
                        eventID: id, seq: row[0], user: submission.user, token: row[1], won: (row[2] as String) == "won",
                        createdAt: row[3], decidedAt: row[4]))
                continue
            }
            guard event.acceptsEntries(at: now) else {
                pending.append(.rejected(.eventNotOpen(event: id, state: event.state(at: now))))
                continue
            }
            event.entries += 1
            try insert.execute(arguments: [event.key, event.entries, submission.user, submission.token, submission.payload, now])
            if !touched.contains(id) { touched.append(id) }
            events[id] = event
            pending.append(.created(eventID: id, seq: event.entries, user: submission.user, token: submission.token))
        }

        // Persist the new counters, then decide at once where the rules say so:
        // direct mode, or an event already sold out (every new entry is lost).
        var wonNow: [String: ClosedRange<Int64>] = [:]
        var decidedNow: [String: ClosedRange<Int64>] = [:]
        let updateEntries = try db.cachedStatement(sql: "UPDATE events SET entries = ? WHERE key = ?")
        for id in touched {
            guard var event = events[id] else { continue }
            try updateEntries.execute(arguments: [event.entries, event.key])
            if event.mode == .direct || event.isSoldOut {
                let outcome = try Award.decide(db, event: &event, limit: nil, now: now)
                wonNow[id] = outcome.won
                decidedNow[id] = outcome.decided
                events[id] = event
            }
        }

        return try pending.map { item in
            switch item {
            case .rejected(let error):
                return .rejected(error)
            case .created(let id, let seq, let user, let token):
                let event = events[id]!
                let won = wonNow[id]?.contains(seq) ?? false
                let decided = decidedNow[id]?.contains(seq) ?? false
                return .created(try view(event, seq: seq, user: user, token: token, won: won, createdAt: now, decidedAt: decided ? now : nil))
            case .existing(let id, let seq, let user, let token, let storedWon, let createdAt, let decidedAt):
                let event = events[id]!
                let wonInBatch = wonNow[id]?.contains(seq) ?? false
                return .existing(
                    try view(
                        event, seq: seq, user: user, token: token, won: storedWon || wonInBatch, createdAt: createdAt,
                        decidedAt: wonInBatch ? now : decidedAt))
            }
        }
    }

    private func view(
        _ event: Event, seq: Int64, user: String, token: String, won: Bool, createdAt: Int64, decidedAt: Int64?
    ) throws -> EntryView {
        let status = event.status(ofSeq: seq, won: won)
        var decided = decidedAt
        if status == .lost && decided == nil { decided = try EventRow.decisionTime(db, eventKey: event.key, seq: seq) }
        return EntryView(
            event: event.id, seq: seq, user: user, token: token, status: status, position: event.position(ofSeq: seq),
            serving: event.serving, createdAt: createdAt, decidedAt: status == .waiting ? nil : decided)
    }
}
