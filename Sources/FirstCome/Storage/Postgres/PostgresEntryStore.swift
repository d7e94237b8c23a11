import Crypto
import Logging
import PostgresNIO
import ServiceLifecycle

/// The PostgreSQL implementation of `EntryStore`, for several stateless nodes
/// sharing one database.
///
/// The event row is the one serialization point per event: a group-commit batch
/// is one call of `firstcome_submit`, which locks the row, numbers the entries
/// and chains them, and commits in the same round trip (a direct-mode event's
/// award runs in the same transaction). Polls are answered from
/// this node's in-memory board, which merges this node's commits as they
/// return and catches up with the other nodes' commits every `syncInterval`.
public struct PostgresEntryStore: EntryStore {
    /// How often the board reads what other nodes committed: the staleness bound
    /// of a poll on a node that did not make the change (plus one query).
    public static let syncInterval: Duration = .milliseconds(100)
    /// Presence is written every `AwardScheduler.presenceInterval`, coarsely, from
    /// every node; shorter timeouts could expire entrants who are there.
    public static let minimumPresenceTimeout: Int64 = 30
    /// A batch whose connection failed (before or during COMMIT) is sent again
    /// this many times: submissions are idempotent, so a committed one comes back
    /// with its seq.
    static let submitAttempts = 3

    let database: PostgresDatabase
    var client: PostgresClient { database.client }
    public let live: LiveState
    let presenceGraceEnds: Int64
    /// This node's name as the scheduler lease holder.
    let node: String
    let logger: Logger

    /// Loads the token key and the board. `presenceGrace` (ms) is how long after
    /// this start no entry expires for lack of presence.
    public init(
        database: PostgresDatabase, clock: @escaping @Sendable () -> Int64 = Timestamp.now, presenceGrace: Int64 = 60_000,
        logger: Logger = Logger(label: "firstcome")
    ) async throws {
        self.database = database
        self.logger = logger
        presenceGraceEnds = clock() + max(0, presenceGrace)
        node = "node-" + Base64URL.random(byteCount: 9)
        let client = database.client
        let key = try await PostgresErrors.translating {
            var fresh = [UInt8](repeating: 0, count: 32)
            for index in fresh.indices { fresh[index] = UInt8.random(in: 0...255) }
            try await client.query(
                "INSERT INTO secrets (name, value) VALUES ('token_key', \(ByteBuffer(bytes: fresh))) ON CONFLICT (name) DO NOTHING",
                logger: logger)
            var stored: [UInt8] = []
            for try await value in try await client.query("SELECT value FROM secrets WHERE name = 'token_key'", logger: logger)
                .decode(ByteBuffer.self)
            {
                stored = PostgresEventRow.bytes(value)
            }
            return stored
        }
        live = LiveState(board: EventBoard(events: []), tokens: EntrantTokens(key: key), clock: clock)
        while try await catchUp() {}
    }

    public var services: [any Service] { [BoardSync(store: self)] }

    public func createEvent(_ new: NewEvent, now: Int64) async throws -> Event {
        try checkPresenceTimeout(new.presenceTimeout)
        let event = try await PostgresErrors.translating {
            do {
                return try await client.withTransaction(logger: logger) { connection in
                    if try await PostgresEventRow.fetch(connection, id: new.id, logger: logger) != nil {
                        throw FirstComeError.eventExists(new.id)
                    }
                    let secret = new.drawSecret()
                    let rules = new.rules(createdAt: now, secret: secret)
                    try await connection.query(
                        EventSQL.insert(new, now: now, rules: rules, genesis: AuditRecords.genesis(rules: rules), secret: secret).postgres(),
                        logger: logger)
                    var event = try await PostgresEventRow.fetchRequired(connection, id: new.id, logger: logger)
                    guard event.key <= EntrantTokens.maxEventKey else {
                        throw FirstComeError.invalidRequest("this database holds the most events it can")
                    }
                    if let webhook = new.webhook {
                        try await connection.query(Self.query(WebhookSQL.set, [event.key, webhook.url, webhook.secret, now]), logger: logger)
                    }
                    try await connection.run(
                        .writes(ControlLogSQL.append(&event, record: AuditRecords.action(at: now, action: new.createAction)), then: ()), logger: logger)
                    return try await PostgresEventRow.fetch(connection, key: event.key, logger: logger)
                }
            } catch let error as PostgresTransactionError {
                // Another node created the same id at the same moment.
                if let psql = error.closureError as? PSQLError, psql.serverInfo?[.sqlState] == "23505" {
                    throw FirstComeError.eventExists(new.id)
                }
                throw error
            }
        }
        board.update(event)
        return event
    }

    public func event(id: String) async throws -> Event {
        try await PostgresErrors.translating {
            try await client.withConnection { try await PostgresEventRow.fetchRequired($0, id: id, logger: logger) }
        }
    }

    public func liveEvent(id: String) async throws -> Event {
        if let event = live.eventInMemory(id: id) { return event }
        let event = try await event(id: id)
        board.update(event)
        return event
    }

    public func updateEvent(id: String, patch: EventPatch, now: Int64) async throws -> Event {
        if case .some(let timeout) = patch.presenceTimeout { try checkPresenceTimeout(timeout) }
        let event = try await PostgresErrors.translating {
            try await client.withTransaction(logger: logger) { connection in
                var event = try patch.applied(to: try await PostgresEventRow.fetchRequired(connection, id: id, lock: true, logger: logger), now: now)
                try await connection.run(EventSQL.update(&event, patch: patch, now: now), logger: logger)
                return try await PostgresEventRow.fetch(connection, key: event.key, logger: logger)
            }
        }
        board.update(event)
        return event
    }

    private func checkPresenceTimeout(_ timeout: Int64?) throws {
        if let timeout, timeout < Self.minimumPresenceTimeout {
            throw FirstComeError.invalidRequest(
                "presence_timeout_s must be at least \(Self.minimumPresenceTimeout) on PostgreSQL: nodes share presence every few seconds")
        }
    }

    public func entry(token: String) async throws -> EntryView {
        if let view = live.pollInMemory(token: token) { return view }
        guard let (eventKey, seq) = tokens.verify(token) else { throw FirstComeError.entryNotFound }
        // A genuine token for an entry this node has not learnt of yet (made on
        // another node since the last catch-up): read it once.
        try await catchUp(only: eventKey)
        guard let view = board.view(eventKey: eventKey, seq: seq, token: token, seenAt: clock()) else { throw FirstComeError.entryNotFound }
        return view
    }

    public func persistPresence() async throws {
        try await PresenceLog.persist(live) { procedure in try await write(procedure) }
    }

    /// Runs the procedure `procedure` makes (written for both stores) in one transaction.
    func write<Result: Sendable>(_ procedure: @escaping @Sendable () -> SQLProcedure<Result>) async throws -> Result {
        try await PostgresErrors.translating {
            try await client.withTransaction(logger: logger) { connection in try await connection.run(procedure(), logger: logger) }
        }
    }
}
