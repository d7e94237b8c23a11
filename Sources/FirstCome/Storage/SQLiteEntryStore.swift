import GRDB

/// The SQLite (WAL) implementation of `EntryStore`.
public struct SQLiteEntryStore: EntryStore {
    let pool: DatabasePool

    public init(pool: DatabasePool) {
        self.pool = pool
    }

    public func createEvent(_ new: NewEvent, now: Int64) async throws -> Event {
        try await StorageErrors.translating {
            try await pool.write { db in
                if try EventRow.fetch(db, id: new.id) != nil { throw FirstComeError.eventExists(new.id) }
                try db.execute(
                    sql: """
                        INSERT INTO events (id, name, prizes, mode, admit_per_tick, opens_at, closes_at, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [new.id, new.name, new.prizes, new.mode.rawValue, new.admitPerTick, new.opensAt, new.closesAt, now])
                return try EventRow.fetchRequired(db, id: new.id)
            }
        }
    }

    public func event(id: String) async throws -> Event {
        try await StorageErrors.translating {
            try await pool.read { db in try EventRow.fetchRequired(db, id: id) }
        }
    }

    public func updateEvent(id: String, patch: EventPatch, now: Int64) async throws -> Event {
        try await StorageErrors.translating {
            try await pool.write { db in
                var event = try EventRow.fetchRequired(db, id: id)
                if let mode = patch.mode { event.mode = mode }
                if let limit = patch.admitPerTick { event.admitPerTick = limit }
                switch patch.intake {
                case .closed:
                    if event.closedAt == nil { event.closedAt = now }
                case .open:
                    guard !event.isSoldOut else { throw FirstComeError.eventSoldOut(id) }
                    // An explicit re-open wins over the schedule.
                    event.closedAt = nil
                    if let closesAt = event.closesAt, closesAt <= now { event.closesAt = nil }
                    if let opensAt = event.opensAt, opensAt > now { event.opensAt = now }
                case nil:
                    break
                }
                try db.execute(
                    sql: "UPDATE events SET mode = ?, admit_per_tick = ?, opens_at = ?, closes_at = ?, closed_at = ? WHERE key = ?",
                    arguments: [event.mode.rawValue, event.admitPerTick, event.opensAt, event.closesAt, event.closedAt, event.key])
                return event
            }
        }
    }

    public func submit(_ batch: [Submission], now: Int64) async throws -> [SubmitResult] {
        try await StorageErrors.translating {
            try await pool.write { db in try SubmitTransaction(db: db, now: now).run(batch) }
        }
    }

    public func entry(token: String) async throws -> EntryView {
        guard EntrantToken.isWellFormed(token) else { throw FirstComeError.entryNotFound }
        return try await StorageErrors.translating {
            try await pool.read { db in
                let statement = try db.cachedStatement(
                    sql: """
                        SELECT en.seq, en.user, en.status, en.created_at, en.decided_at, ev.key, ev.id, ev.serving
                          FROM entries en JOIN events ev ON ev.key = en.event_key
                         WHERE en.token = ?
                        """)
                guard let row = try Row.fetchOne(statement, arguments: [token]) else { throw FirstComeError.entryNotFound }
                let seq: Int64 = row[0]
                let serving: Int64 = row[7]
                let won = (row[2] as String) == "won"
                let status: EntryStatus = won ? .won : (seq <= serving ? .lost : .waiting)
                var decidedAt: Int64? = row[4]
                if status == .lost { decidedAt = try EventRow.decisionTime(db, eventKey: row[5], seq: seq) }
                return EntryView(
                    event: row[6], seq: seq, user: row[1], token: token, status: status,
                    position: status == .waiting ? seq - serving - 1 : 0, serving: serving,
                    createdAt: row[3], decidedAt: decidedAt)
            }
        }
    }

    public func winners(event id: String, after: Int64, limit: Int) async throws -> [Winner] {
        try await StorageErrors.translating {
            try await pool.read { db in
                let event = try EventRow.fetchRequired(db, id: id)
                let statement = try db.cachedStatement(
                    sql: """
                        SELECT seq, user, decided_at FROM entries INDEXED BY entries_winners
                         WHERE event_key = ? AND status = 'won' AND seq > ? ORDER BY seq LIMIT ?
                        """)
                return try Row.fetchAll(statement, arguments: [event.key, after, limit]).map {
                    Winner(seq: $0[0], user: $0[1], decidedAt: $0[2])
                }
            }
        }
    }

    public func auditEntries(event id: String, after: Int64, limit: Int) async throws -> (Event, [AuditEntry]) {
        try await StorageErrors.translating {
            try await pool.read { db in
                let event = try EventRow.fetchRequired(db, id: id)
                let statement = try db.cachedStatement(
                    sql: """
                        SELECT seq, user, status, created_at, decided_at, payload FROM entries
                         WHERE event_key = ? AND seq > ? ORDER BY seq LIMIT ?
                        """)
                let rows = try Row.fetchAll(statement, arguments: [event.key, after, limit])
                let entries = try rows.map { row -> AuditEntry in
                    let seq: Int64 = row[0]
                    let status = event.status(ofSeq: seq, won: (row[2] as String) == "won")
                    var decidedAt: Int64? = row[4]
                    if status == .lost { decidedAt = try EventRow.decisionTime(db, eventKey: event.key, seq: seq) }
                    return AuditEntry(seq: seq, user: row[1], status: status, createdAt: row[3], decidedAt: decidedAt, payload: row[5])
                }
                return (event, entries)
            }
        }
    }

    public func listEvents() async throws -> [Event] {
        try await StorageErrors.translating {
            try await pool.read { db in
                try Row.fetchAll(db.cachedStatement(sql: "SELECT \(EventRow.columns) FROM events ORDER BY key")).map(EventRow.decode)
            }
        }
    }

    public func eventsWithWaitingEntries() async throws -> [Event] {
        try await StorageErrors.translating {
            try await pool.read { db in
                try Row.fetchAll(db.cachedStatement(sql: "SELECT \(EventRow.columns) FROM events WHERE entries > serving ORDER BY key"))
                    .map(EventRow.decode)
            }
        }
    }

    public func award(event id: String, limit: Int64, now: Int64) async throws -> AwardStep {
        try await StorageErrors.translating {
            try await pool.write { db in
                var event = try EventRow.fetchRequired(db, id: id)
                let outcome = try Award.decide(db, event: &event, limit: limit, now: now)
                return AwardStep(event: id, decided: outcome.decided, won: outcome.won, stillWaiting: event.waiting)
            }
        }
    }
}
