import Logging
import PostgresNIO

/// The webhook outbox on PostgreSQL (queries in `WebhookSQL`).
extension PostgresEntryStore {
    /// `sql` with `$1`, `$2`… bound to `values` in order (`nil` is NULL).
    static func query(_ sql: String, _ values: [(any PostgresThrowingDynamicTypeEncodable)?]) throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            if let value { try binds.append(value) } else { binds.appendNull() }
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    private func eventKey(_ connection: PostgresConnection, id: String) async throws -> Int64 {
        try await PostgresEventRow.fetchRequired(connection, id: id, logger: logger).key
    }

    public func setWebhook(event id: String, target: WebhookTarget?, now: Int64) async throws {
        try await PostgresErrors.translating {
            try await client.withConnection { connection in
                let key = try await eventKey(connection, id: id)
                if let target {
                    try await connection.query(Self.query(WebhookSQL.set, [key, target.url, target.secret, now]), logger: logger)
                } else {
                    try await connection.query(Self.query(WebhookSQL.remove, [key]), logger: logger)
                }
            }
        }
    }

    public func webhookStatus(event id: String, recent: Int) async throws -> WebhookStatus {
        try await PostgresErrors.translating {
            try await client.withConnection { connection in
                let key = try await eventKey(connection, id: id)
                var status = WebhookStatus(url: nil, pending: 0, delivered: 0, gaveUp: 0, recent: [])
                for try await url in try await connection.query(Self.query(WebhookSQL.url, [key]), logger: logger).decode(String.self) {
                    status.url = url
                }
                for try await (pending, delivered, gaveUp) in try await connection.query(Self.query(WebhookSQL.counts, [key]), logger: logger)
                    .decode((Int64, Int64, Int64).self)
                {
                    (status.pending, status.delivered, status.gaveUp) = (pending, delivered, gaveUp)
                }
                for try await (rowID, type, seq, at, attempts, deliveredAt, gaveUpAt, lastError, nextAt) in try await connection.query(
                    Self.query(WebhookSQL.recent, [key, Int64(recent)]), logger: logger
                ).decode((Int64, String, Int64, Int64, Int32, Int64?, Int64?, String?, Int64).self) {
                    guard let type = WebhookType(rawValue: type) else { continue }
                    status.recent.append(
                        .init(
                            id: rowID, type: type, seq: seq, at: at, attempts: Int(attempts), deliveredAt: deliveredAt, gaveUpAt: gaveUpAt,
                            lastError: lastError, nextAt: nextAt))
                }
                return status
            }
        }
    }

    public func dueWebhooks(now: Int64, perEvent: Int, limit: Int) async throws -> [WebhookDelivery] {
        try await PostgresErrors.translating {
            var rows: [WebhookSQL.DueRow] = []
            for try await row in try await client.query(Self.query(WebhookSQL.due, [now, Int64(perEvent), Int64(limit)]), logger: logger) {
                let (id, event, type, seq, user, at, attempts, url, secret, prizes, place, expired, linePlace) = try row.decode(
                    (Int64, String, String, Int64, String?, Int64, Int32, String, String, Int64, Int64, Int64, Int64?).self)
                rows.append(
                    .init(
                        id: id, event: event, type: type, seq: seq, user: user, at: at, attempts: Int64(attempts), url: url, secret: secret,
                        prizes: prizes, place: place, expired: expired, linePlace: linePlace))
            }
            return WebhookSQL.deliveries(rows)
        }
    }

    public func recordWebhookAttempts(_ results: [(Int64, WebhookAttempt)]) async throws {
        guard !results.isEmpty else { return }
        try await PostgresErrors.translating {
            try await client.withTransaction(logger: logger) { connection in
                for (id, attempt) in results {
                    let query: PostgresQuery
                    switch attempt {
                    case .delivered(let at): query = try Self.query(WebhookSQL.delivered, [id, at])
                    case .failed(let error, let retryAt): query = try Self.query(WebhookSQL.failed, [id, error, retryAt])
                    case .gaveUp(let error, let at): query = try Self.query(WebhookSQL.gaveUp, [id, error, at])
                    }
                    try await connection.query(query, logger: logger)
                }
            }
        }
    }

    public func redeliverWebhooks(event id: String, from: Int64?, now: Int64) async throws -> Int {
        try await PostgresErrors.translating {
            try await client.withConnection { connection in
                let key = try await eventKey(connection, id: id)
                let query =
                    if let from {
                        try Self.query(WebhookSQL.redeliverFrom + " RETURNING id", [key, now, from])
                    } else {
                        try Self.query(WebhookSQL.redeliverGivenUp + " RETURNING id", [key, now])
                    }
                var count = 0
                for try await _ in try await connection.query(query, logger: logger).decode(Int64.self) { count += 1 }
                return count
            }
        }
    }

    public func noteWebhookMilestones(now: Int64) async throws -> Int64 {
        try await PostgresErrors.translating {
            try await client.withConnection { connection in
                try await connection.query(Self.query(WebhookSQL.closed, [now]), logger: logger)
                try await connection.query(Self.query(WebhookSQL.finished, [now]), logger: logger)
                var pending: Int64 = 0
                for try await count in try await connection.query(PostgresQuery(unsafeSQL: WebhookSQL.pending), logger: logger).decode(Int64.self) {
                    pending = count
                }
                return pending
            }
        }
    }
}
