import GRDB

/// The webhook outbox on SQLite (queries in `WebhookSQL`).
extension SQLiteEntryStore {
    public func setWebhook(event id: String, target: WebhookTarget?, now: Int64) async throws {
        try await StorageErrors.translating {
            try await pool.write { db in
                let event = try EventRow.fetchRequired(db, id: id)
                if let target {
                    try db.execute(sql: PortableSQL.sqlite(WebhookSQL.set), arguments: [event.key, target.url, target.secret, now])
                } else {
                    try db.execute(sql: PortableSQL.sqlite(WebhookSQL.remove), arguments: [event.key])
                }
            }
        }
    }

    public func webhookStatus(event id: String, recent: Int) async throws -> WebhookStatus {
        try await StorageErrors.translating {
            try await pool.read { db in
                let event = try EventRow.fetchRequired(db, id: id)
                let url = try String.fetchOne(db, sql: PortableSQL.sqlite(WebhookSQL.url), arguments: [event.key])
                let counts = try Row.fetchOne(db, sql: PortableSQL.sqlite(WebhookSQL.counts), arguments: [event.key])
                let rows = try Row.fetchAll(db, sql: PortableSQL.sqlite(WebhookSQL.recent), arguments: [event.key, recent]).compactMap { row in
                    WebhookType(rawValue: row[1]).map {
                        WebhookStatus.Row(
                            id: row[0], type: $0, seq: row[2], at: row[3], attempts: row[4], deliveredAt: row[5], gaveUpAt: row[6],
                            lastError: row[7], nextAt: row[8])
                    }
                }
                return WebhookStatus(
                    url: url, pending: counts?[0] ?? 0, delivered: counts?[1] ?? 0, gaveUp: counts?[2] ?? 0, recent: rows)
            }
        }
    }

    public func dueWebhooks(now: Int64, perEvent: Int, limit: Int) async throws -> [WebhookDelivery] {
        try await StorageErrors.translating {
            try await pool.read { db in
                let rows = try Row.fetchAll(db, sql: PortableSQL.sqlite(WebhookSQL.due), arguments: [now, perEvent, limit]).map { row in
                    WebhookSQL.DueRow(
                        id: row[0], event: row[1], type: row[2], seq: row[3], user: row[4], at: row[5], attempts: row[6], url: row[7],
                        secret: row[8], prizes: row[9], place: row[10], expired: row[11], linePlace: row[12])
                }
                return WebhookSQL.deliveries(rows)
            }
        }
    }

    public func recordWebhookAttempts(_ results: [(Int64, WebhookAttempt)]) async throws {
        guard !results.isEmpty else { return }
        try await StorageErrors.translating {
            try await pool.write { db in
                for (id, attempt) in results {
                    switch attempt {
                    case .delivered(let at):
                        try db.execute(sql: PortableSQL.sqlite(WebhookSQL.delivered), arguments: [id, at])
                    case .failed(let error, let retryAt):
                        try db.execute(sql: PortableSQL.sqlite(WebhookSQL.failed), arguments: [id, error, retryAt])
                    case .gaveUp(let error, let at):
                        try db.execute(sql: PortableSQL.sqlite(WebhookSQL.gaveUp), arguments: [id, error, at])
                    }
                }
            }
        }
    }

    public func redeliverWebhooks(event id: String, from: Int64?, now: Int64) async throws -> Int {
        try await StorageErrors.translating {
            try await pool.write { db in
                let event = try EventRow.fetchRequired(db, id: id)
                if let from {
                    try db.execute(sql: PortableSQL.sqlite(WebhookSQL.redeliverFrom), arguments: [event.key, now, from])
                } else {
                    try db.execute(sql: PortableSQL.sqlite(WebhookSQL.redeliverGivenUp), arguments: [event.key, now])
                }
                return db.changesCount
            }
        }
    }

    public func noteWebhookMilestones(now: Int64) async throws -> Int64 {
        try await StorageErrors.translating {
            try await pool.write { db in
                try db.execute(sql: PortableSQL.sqlite(WebhookSQL.closed), arguments: [now])
                try db.execute(sql: PortableSQL.sqlite(WebhookSQL.finished), arguments: [now])
                return try Int64.fetchOne(db, sql: WebhookSQL.pending) ?? 0
            }
        }
    }
}
