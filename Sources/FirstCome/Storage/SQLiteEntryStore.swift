import Foundation
import GRDB
import ServiceLifecycle

/// The SQLite (WAL) implementation of `EntryStore`.
///
/// Entrant polls are answered from an in-memory board of event counters that
/// every write updates after it commits, so polling costs no database read.
/// One store per database per process: a second writer would not see the board.
public struct SQLiteEntryStore: EntryStore {
    let pool: DatabasePool
    public let live: LiveState
    /// No entry expires for lack of presence before this time (ms): entrants get
    /// a grace period to come back after a restart.
    let presenceGraceEnds: Int64
    let stamps = CommitStamps()

    /// Loads the token key and the event board from the database. `presenceGrace`
    /// (ms) is how long after this start no entry expires for lack of presence.
    public init(pool: DatabasePool, clock: @escaping @Sendable () -> Int64 = Timestamp.now, presenceGrace: Int64 = 60_000) throws {
        self.pool = pool
        presenceGraceEnds = clock() + max(0, presenceGrace)
        let (key, events, decisions, receipts, expired, places) = try pool.read { db in
            let key = try Data.fetchOne(db, sql: "SELECT value FROM secrets WHERE name = 'token_key'").map { [UInt8]($0) } ?? []
            let events = try Row.fetchAll(db, sql: "SELECT \(EventRow.columns) FROM events").map(EventRow.decode)
            let decisions = try Row.fetchAll(db, sql: "SELECT event_key, last_seq, decided_at FROM decisions ORDER BY event_key, last_seq")
                .map { (eventKey: $0[0] as Int64, decision: EventBoard.Decision(lastSeq: $0[1], decidedAt: $0[2])) }
            var receipts: [Int64: [UInt8]] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT event_key, chain FROM entries ORDER BY event_key, seq")
            while let row = try rows.next() {
                let chain: Data = row[1]
                receipts[row[0], default: []].append(contentsOf: chain)
            }
            var expired: [Int64: ExpiredSeqs] = [:]
            var places: [Int64: Places] = [:]
            for event in events {
                expired[event.key] = try EventRow.expired(db, eventKey: event.key)
                places[event.key] = try EventRow.places(db, event: event)
            }
            return (key, events, decisions, receipts, expired, places)
        }
        live = LiveState(
            board: EventBoard(events: events, decisions: decisions, receipts: receipts, expired: expired, places: places),
            tokens: EntrantTokens(key: key), clock: clock)
    }

    /// One process owns a SQLite database (`DatabaseLock`): nothing runs beside it.
    public var services: [any Service] { [] }

    public func holdSchedulerLease(for duration: Duration) async throws -> Bool { true }

    public func createEvent(_ new: NewEvent, now: Int64) async throws -> Event {
        let event = try await StorageErrors.translating {
            try await pool.write { db in
                if try EventRow.fetch(db, id: new.id) != nil { throw FirstComeError.eventExists(new.id) }
                let secret = new.drawSecret()
                let rules = new.rules(createdAt: now, secret: secret)
                let insert = EventSQL.insert(new, now: now, rules: rules, genesis: AuditRecords.genesis(rules: rules), secret: secret).sqlite
                try db.execute(sql: insert.sql, arguments: insert.arguments)
                var event = try EventRow.fetchRequired(db, id: new.id)
                if let webhook = new.webhook {
                    try db.execute(sql: PortableSQL.sqlite(WebhookSQL.set), arguments: [event.key, webhook.url, webhook.secret, now])
                }
                try db.run(.writes(ControlLogSQL.append(&event, record: AuditRecords.action(at: now, action: new.createAction)), then: ()))
                guard event.key <= EntrantTokens.maxEventKey else {
                    throw FirstComeError.invalidRequest("this database holds the most events it can")
                }
                event.version = stamps.next()
                return event
            }
        }
        board.update(event)
        return event
    }

    public func event(id: String) async throws -> Event {
        try await StorageErrors.translating {
            try await pool.read { db in try EventRow.fetchRequired(db, id: id) }
        }
    }

    public func liveEvent(id: String) async throws -> Event {
        if let event = live.eventInMemory(id: id) { return event }
        return try await event(id: id)
    }

    public func updateEvent(id: String, patch: EventPatch, now: Int64) async throws -> Event {
        let event = try await StorageErrors.translating {
            try await pool.write { db in
                var event = try patch.applied(to: try EventRow.fetchRequired(db, id: id), now: now)
                try db.run(EventSQL.update(&event, patch: patch, now: now))
                event.version = stamps.next()
                return event
            }
        }
        board.update(event)
        return event
    }

    public func entry(token: String) async throws -> EntryView {
        guard let view = live.pollInMemory(token: token) else { throw FirstComeError.entryNotFound }
        return view
    }

    public func persistPresence() async throws {
        try await PresenceLog.persist(live) { procedure in try await write(procedure) }
    }

    /// Runs the procedure `procedure` makes (written for both stores) in one write transaction.
    func write<Result: Sendable>(_ procedure: @escaping @Sendable () -> SQLProcedure<Result>) async throws -> Result {
        try await StorageErrors.translating { try await pool.write { db in try db.run(procedure()) } }
    }

    public func user(event id: String, seq: Int64) async throws -> String? {
        try await StorageErrors.translating {
            try await pool.read { db in
                try String.fetchOne(
                    db.cachedStatement(sql: "SELECT user FROM entries WHERE event_key = (SELECT key FROM events WHERE id = ?) AND seq = ?"),
                    arguments: [id, seq])
            }
        }
    }

    public func winners(event id: String, after: Int64, limit: Int) async throws -> [Winner] {
        try await StorageErrors.translating {
            try await pool.read { db in
                let event = try EventRow.fetchRequired(db, id: id)
                let statement = try db.cachedStatement(
                    sql: """
                        SELECT seq, user, decided_at, payload, place FROM entries INDEXED BY entries_winners
                         WHERE event_key = ? AND status = 'won' AND seq > ? ORDER BY seq LIMIT ?
                        """)
                return try Row.fetchAll(statement, arguments: [event.key, after, limit]).map { row in
                    var winner = Winner(seq: row[0], user: row[1], decidedAt: row[2], payload: row[3])
                    winner.place = event.order.draws ? event.place(ofSeq: winner.seq, stored: row[4]) : nil
                    return winner
                }
            }
        }
    }

    public func auditEntries(event id: String, after: Int64, limit: Int) async throws -> (Event, [AuditEntry]) {
        try await StorageErrors.translating {
            try await pool.read { db in
                let event = try EventRow.fetchRequired(db, id: id)
                let expired = try EventRow.expired(db, eventKey: event.key)
                let rows = try Row.fetchAll(
                    db.cachedStatement(sql: """
                        SELECT seq, user, created_at, payload, chain, status = 'won', place FROM entries
                         WHERE event_key = ? AND seq > ? ORDER BY seq LIMIT ?
                        """), arguments: [event.key, after, limit])
                // Places of drawn entries are spread over the decisions: read them all.
                let from = event.order.draws ? 0 : after
                var times = DecisionTimes()
                for row in try Row.fetchAll(
                    db.cachedStatement(sql: """
                        SELECT last_seq, decided_at FROM decisions WHERE event_key = ? AND last_seq > ? ORDER BY last_seq LIMIT ?
                        """), arguments: [event.key, from, event.order.draws ? Int.max : limit])
                {
                    times.add(.init(lastSeq: row[0], decidedAt: row[1]))
                }
                let entries = rows.map { row -> AuditEntry in
                    let seq: Int64 = row[0]
                    let place = event.place(ofSeq: seq, stored: row[6])
                    return AuditEntry(
                        seq: seq, user: row[1], createdAt: row[2], payload: row[3], chain: EventRow.bytes(row[4]), won: row[5], place: place,
                        event: event, expired: expired, times: times)
                }
                return (event, entries)
            }
        }
    }

    public func seq(event id: String, user: String) async throws -> Int64? {
        try await StorageErrors.translating {
            try await pool.read { db in
                let event = try EventRow.fetchRequired(db, id: id)
                return try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT seq FROM entries WHERE event_key = ? AND user = ?"), arguments: [event.key, user])
            }
        }
    }

    public func controlLog(event id: String) async throws -> [ControlRecord] {
        try await StorageErrors.translating {
            try await pool.read { db in
                let event = try EventRow.fetchRequired(db, id: id)
                return try Row.fetchAll(
                    db, sql: "SELECT position, record, chain FROM control_log WHERE event_key = ? ORDER BY position", arguments: [event.key]
                ).map { ControlRecord(position: $0[0], record: $0[1], chain: EventRow.bytes($0[2])) }
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
                try Row.fetchAll(db.cachedStatement(sql: "SELECT \(EventRow.columns) FROM events \(EventColumns.waitingFilter)"))
                    .map(EventRow.decode)
            }
        }
    }

    public func award(event id: String, limit: Int64, now: Int64) async throws -> AwardStep {
        let (event, outcome) = try await StorageErrors.translating {
            try await pool.write { db in
                var event = try EventRow.fetchRequired(db, id: id)
                let presence = board.presenceCheck(for: event, now: now, graceEnds: presenceGraceEnds)
                let outcome = try db.run(AwardProcedure.decide(event, limit: limit, now: now, presence: presence))
                event = outcome.event
                event.version = stamps.next()
                return (event, outcome)
            }
        }
        board.update(
            event, decisions: outcome.decided.map { [EventBoard.Decision(lastSeq: $0.upperBound, decidedAt: outcome.decidedAt)] } ?? [],
            expired: outcome.expired)
        return AwardStep(event: id, decided: outcome.decided, won: outcome.won, expired: outcome.expired, stillWaiting: event.waiting)
    }

}
