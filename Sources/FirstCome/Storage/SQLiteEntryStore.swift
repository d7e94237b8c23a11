import Foundation
import GRDB

/// The SQLite (WAL) implementation of `EntryStore`.
///
/// Entrant polls are answered from an in-memory board of event counters that
/// every write updates after it commits, so polling costs no database read.
/// One store per database per process: a second writer would not see the board.
public struct SQLiteEntryStore: EntryStore {
    let pool: DatabasePool
    let tokens: EntrantTokens
    let board: EventBoard
    let clock: @Sendable () -> Int64
    /// No entry expires for lack of presence before this time (ms): entrants get
    /// a grace period to come back after a restart.
    let presenceGraceEnds: Int64

    /// Loads the token key and the event board from the database. `presenceGrace`
    /// (ms) is how long after this start no entry expires for lack of presence.
    public init(pool: DatabasePool, clock: @escaping @Sendable () -> Int64 = Timestamp.now, presenceGrace: Int64 = 60_000) throws {
        self.pool = pool
        self.clock = clock
        presenceGraceEnds = clock() + max(0, presenceGrace)
        let (key, events, decisions, receipts, expired) = try pool.read { db in
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
            for event in events { expired[event.key] = try EventRow.expired(db, eventKey: event.key) }
            return (key, events, decisions, receipts, expired)
        }
        tokens = EntrantTokens(key: key)
        board = EventBoard(events: events, decisions: decisions, receipts: receipts, expired: expired)
    }

    public var decisions: ChangeSignal { board.decided }

    /// The token of an entry, as its entrant received it.
    public func token(eventKey: Int64, seq: Int64) -> String {
        tokens.token(eventKey: eventKey, seq: seq)
    }

    public func createEvent(_ new: NewEvent, now: Int64) async throws -> Event {
        let event = try await StorageErrors.translating {
            try await pool.write { db in
                if try EventRow.fetch(db, id: new.id) != nil { throw FirstComeError.eventExists(new.id) }
                let rules = AuditRecords.rules(event: new.id, prizes: new.prizes, mode: new.mode, createdAt: now)
                let genesis = Data(AuditRecords.genesis(rules: rules))
                try db.execute(
                    sql: """
                        INSERT INTO events (id, name, prizes, mode, admit_per_tick, opens_at, closes_at, created_at,
                                            identity_algorithm, identity_key, identity_issuer, identity_audience,
                                            rules, genesis, head, control_head, presence_timeout_s)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        new.id, new.name, new.prizes, new.mode.rawValue, new.admitPerTick, new.opensAt, new.closesAt, now,
                        new.identity?.algorithm.rawValue, new.identity?.key, new.identity?.issuer, new.identity?.audience,
                        rules, genesis, genesis, genesis, new.presenceTimeout,
                    ])
                var event = try EventRow.fetchRequired(db, id: new.id)
                var fields = JSONObject()
                fields.string("name", new.name)
                fields.integer("admit_per_tick", new.admitPerTick)
                fields.integer("opens_at", new.opensAt)
                fields.integer("closes_at", new.closesAt)
                fields.string("identity", new.identity?.algorithm.rawValue)
                fields.integer("presence_timeout_s", new.presenceTimeout)
                try ControlLog.append(db, event: &event, record: AuditRecords.action(at: now, action: ControlLog.action("create", fields)))
                guard event.key <= EntrantTokens.maxEventKey else {
                    throw FirstComeError.invalidRequest("this database holds the most events it can")
                }
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

    public func currentEvent(id: String) async throws -> Event {
        if let event = board.event(id: id) { return event }
        return try await event(id: id)
    }

    public func updateEvent(id: String, patch: EventPatch, now: Int64) async throws -> Event {
        let event = try await StorageErrors.translating {
            try await pool.write { db in
                var event = try EventRow.fetchRequired(db, id: id)
                if let mode = patch.mode { event.mode = mode }
                if let limit = patch.admitPerTick { event.admitPerTick = limit }
                if let timeout = patch.presenceTimeout { event.presenceTimeout = timeout }
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
                    sql: """
                        UPDATE events SET mode = ?, admit_per_tick = ?, opens_at = ?, closes_at = ?, closed_at = ?,
                                          presence_timeout_s = ? WHERE key = ?
                        """,
                    arguments: [
                        event.mode.rawValue, event.admitPerTick, event.opensAt, event.closesAt, event.closedAt,
                        event.presenceTimeout, event.key,
                    ])
                var fields = JSONObject()
                if let mode = patch.mode { fields.string("mode", mode.rawValue) }
                if let intake = patch.intake { fields.string("state", intake.rawValue) }
                if let limit = patch.admitPerTick { fields.integer("admit_per_tick", limit) }
                if let timeout = patch.presenceTimeout { fields.integer("presence_timeout_s", timeout) }
                try ControlLog.append(db, event: &event, record: AuditRecords.action(at: now, action: ControlLog.action("patch", fields)))
                return event
            }
        }
        board.update(event)
        return event
    }

    public func submit(_ batch: [Submission], now: Int64) async throws -> [SubmitResult] {
        let outcome = try await StorageErrors.translating {
            try await pool.write { db in try SubmitTransaction(db: db, now: now).run(batch) }
        }
        for (key, event) in outcome.events {
            board.update(event, decision: outcome.decisions[key], receipts: outcome.chains[key] ?? [])
        }
        return outcome.items.map { item in
            switch item {
            case .rejected(let error):
                return .rejected(error)
            case .entry(let eventKey, let seq, let created):
                let token = tokens.token(eventKey: eventKey, seq: seq)
                // The board was updated above, so the entry is on it.
                let view = board.view(eventKey: eventKey, seq: seq, token: token)!
                return created ? .created(view) : .existing(view)
            }
        }
    }

    public func entry(token: String) async throws -> EntryView {
        guard let (eventKey, seq) = tokens.verify(token), let view = board.view(eventKey: eventKey, seq: seq, token: token, seenAt: clock())
        else {
            throw FirstComeError.entryNotFound
        }
        return view
    }

    public func streaming(token: String, open: Bool) {
        guard let (eventKey, seq) = tokens.verify(token) else { return }
        board.streaming(eventKey: eventKey, seq: seq, open: open, now: clock())
    }

    public func persistPresence() async throws {
        let changes = board.takePresence(now: clock(), granularity: PresenceLog.granularity)
        guard !changes.isEmpty else { return }
        try await StorageErrors.translating {
            try await pool.write { db in try PresenceLog.write(db, changes) }
        }
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
                        SELECT seq, user, created_at, payload, status, \(EventRow.expiredColumn) FROM entries
                         WHERE event_key = ? AND seq > ? ORDER BY seq LIMIT ?
                        """)
                let rows = try Row.fetchAll(statement, arguments: [event.key, after, limit])
                let entries = try rows.map { row -> AuditEntry in
                    let seq: Int64 = row[0]
                    let status = EventRow.status(stored: row[4], expired: row[5], seq: seq, serving: event.serving)
                    let decidedAt = status == .waiting ? nil : try EventRow.decisionTime(db, eventKey: event.key, seq: seq)
                    return AuditEntry(seq: seq, user: row[1], status: status, createdAt: row[2], decidedAt: decidedAt, payload: row[3])
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
        let (event, outcome) = try await StorageErrors.translating {
            try await pool.write { db in
                var event = try EventRow.fetchRequired(db, id: id)
                let outcome = try Award.decide(db, event: &event, limit: limit, now: now, presence: presenceCheck(event, now: now))
                return (event, outcome)
            }
        }
        board.update(
            event, decision: outcome.decided.map { EventBoard.Decision(lastSeq: $0.upperBound, decidedAt: now) }, expired: outcome.expired)
        return AwardStep(event: id, decided: outcome.decided, won: outcome.won, expired: outcome.expired, stillWaiting: event.waiting)
    }

    /// How `award` tells who is present: only for queue events with a presence
    /// timeout, and only once the grace period after this start is over.
    private func presenceCheck(_ event: Event, now: Int64) -> Award.PresenceCheck? {
        guard let timeout = event.presenceTimeout, event.mode == .queue, now >= presenceGraceEnds else { return nil }
        let board = self.board
        let key = event.key
        return Award.PresenceCheck(timeout: timeout * 1000) { seq in board.presence(eventKey: key, seq: seq) }
    }
}
