import Logging
import PostgresNIO

extension PostgresEntryStore {
    public func user(event id: String, seq: Int64) async throws -> String? {
        try await PostgresErrors.translating {
            var user: String?
            for try await value in try await client.query(
                """
                SELECT "user" FROM entries WHERE event_key = (SELECT key FROM events WHERE id = \(id)) AND seq = \(seq)
                """, logger: logger
            ).decode(String.self) {
                user = value
            }
            return user
        }
    }

    public func winners(event id: String, after: Int64, limit: Int) async throws -> [Winner] {
        try await PostgresErrors.translating {
            try await client.withConnection { connection in
                let event = try await PostgresEventRow.fetchRequired(connection, id: id, logger: logger)
                var winners: [Winner] = []
                for try await (seq, user, at, payload, stored) in try await connection.query(
                    """
                    SELECT seq, "user", decided_at, payload, place FROM entries
                     WHERE event_key = \(event.key) AND status = 'won' AND seq > \(after) ORDER BY seq LIMIT \(Int64(limit))
                    """, logger: logger
                ).decode((Int64, String, Int64, String?, Int64?).self) {
                    var winner = Winner(seq: seq, user: user, decidedAt: at, payload: payload)
                    winner.place = event.order.draws ? event.place(ofSeq: seq, stored: stored) : nil
                    winners.append(winner)
                }
                return winners
            }
        }
    }

    public func auditEntries(event id: String, after: Int64, limit: Int) async throws -> (Event, [AuditEntry]) {
        try await PostgresErrors.translating {
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
                let event = try await PostgresEventRow.fetchRequired(connection, id: id, logger: logger)
                let expiredSeqs = try await PostgresEventRow.expired(connection, event: event, logger: logger)
                // Places of drawn entries are spread over the decisions: read them all.
                let from = event.order.draws ? 0 : after
                let count = event.order.draws ? Int64.max : Int64(limit)
                var times = DecisionTimes()
                for try await (last, at) in try await connection.query(
                    """
                    SELECT last_seq, decided_at FROM decisions WHERE event_key = \(event.key) AND last_seq > \(from)
                     ORDER BY last_seq LIMIT \(count)
                    """, logger: logger
                ).decode((Int64, Int64).self) {
                    times.add(.init(lastSeq: last, decidedAt: at))
                }
                var entries: [AuditEntry] = []
                for try await (seq, user, createdAt, payload, chain, won, stored) in try await connection.query(
                    """
                    SELECT seq, "user", created_at, payload, chain, status = 'won', place FROM entries
                     WHERE event_key = \(event.key) AND seq > \(after) ORDER BY seq LIMIT \(Int64(limit))
                    """, logger: logger
                ).decode((Int64, String, Int64, String?, ByteBuffer, Bool, Int64?).self) {
                    entries.append(
                        AuditEntry(
                            seq: seq, user: user, createdAt: createdAt, payload: payload, chain: PostgresEventRow.bytes(chain), won: won,
                            place: event.place(ofSeq: seq, stored: stored), event: event, expired: expiredSeqs, times: times))
                }
                return (event, entries)
            }
        }
    }

    public func seq(event id: String, user: String) async throws -> Int64? {
        try await PostgresErrors.translating {
            try await client.withConnection { connection in
                let event = try await PostgresEventRow.fetchRequired(connection, id: id, logger: logger)
                var seq: Int64?
                for try await value in try await connection.query(
                    #"SELECT seq FROM entries WHERE event_key = \#(event.key) AND "user" = \#(user)"#, logger: logger
                ).decode(Int64.self) {
                    seq = value
                }
                return seq
            }
        }
    }

    public func controlLog(event id: String) async throws -> [ControlRecord] {
        try await PostgresErrors.translating {
            try await client.withConnection { connection in
                let event = try await PostgresEventRow.fetchRequired(connection, id: id, logger: logger)
                var records: [ControlRecord] = []
                for try await (position, record, chain) in try await connection.query(
                    "SELECT position, record, chain FROM control_log WHERE event_key = \(event.key) ORDER BY position", logger: logger
                ).decode((Int64, String, ByteBuffer).self) {
                    records.append(ControlRecord(position: position, record: record, chain: PostgresEventRow.bytes(chain)))
                }
                return records
            }
        }
    }

    public func listEvents() async throws -> [Event] {
        try await PostgresErrors.translating {
            try await PostgresEventRow.all(
                try await client.query("SELECT \(unescaped: PostgresEventRow.columns) FROM events ORDER BY key", logger: logger))
        }
    }

    public func eventsWithWaitingEntries() async throws -> [Event] {
        try await PostgresErrors.translating {
            try await PostgresEventRow.all(
                try await client.query(
                    "SELECT \(unescaped: PostgresEventRow.columns) FROM events \(unescaped: EventColumns.waitingFilter)", logger: logger))
        }
    }

    public func admissionKeys() async throws -> [StoredAdmissionKey] {
        try await PostgresErrors.translating {
            try await client.withConnection { try await Self.keys($0, logger: logger) }
        }
    }

    public func ensureAdmissionKeys(_ initial: [StoredAdmissionKey]) async throws -> [StoredAdmissionKey] {
        try await PostgresErrors.translating {
            try await client.withTransaction(logger: logger) { connection in
                // Nodes starting together: one of them stores the first key.
                try await connection.query("LOCK TABLE admission_keys IN SHARE ROW EXCLUSIVE MODE", logger: logger)
                if try await Self.keys(connection, logger: logger).isEmpty {
                    for key in initial { try await Self.insert(connection, key, logger: logger) }
                }
                return try await Self.keys(connection, logger: logger)
            }
        }
    }

    public func rotateAdmissionKeys(adding key: StoredAdmissionKey, now: Int64, dropRetiredBefore: Int64) async throws -> [String] {
        try await PostgresErrors.translating {
            try await client.withTransaction(logger: logger) { connection in
                var dropped: [String] = []
                for try await kid in try await connection.query(
                    "DELETE FROM admission_keys WHERE retired_at < \(dropRetiredBefore) RETURNING kid", logger: logger
                ).decode(String.self) {
                    dropped.append(kid)
                }
                try await connection.query("UPDATE admission_keys SET retired_at = \(now) WHERE retired_at IS NULL", logger: logger)
                try await Self.insert(connection, key, logger: logger)
                return dropped.sorted()
            }
        }
    }

    static func keys(_ connection: PostgresConnection, logger: Logger) async throws -> [StoredAdmissionKey] {
        var keys: [StoredAdmissionKey] = []
        for try await (kid, createdAt, retiredAt, pem) in try await connection.query(
            "SELECT kid, created_at, retired_at, private_pem FROM admission_keys ORDER BY created_at, kid", logger: logger
        ).decode((String, Int64, Int64?, String).self) {
            keys.append(StoredAdmissionKey(kid: kid, createdAt: createdAt, retiredAt: retiredAt, privateKeyPEM: pem))
        }
        return keys
    }

    static func insert(_ connection: PostgresConnection, _ key: StoredAdmissionKey, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO admission_keys (kid, created_at, retired_at, private_pem)
            VALUES (\(key.kid), \(key.createdAt), \(key.retiredAt), \(key.privateKeyPEM))
            """, logger: logger)
    }
}
