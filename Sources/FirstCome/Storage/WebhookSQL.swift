/// The webhook queries, written once for both stores (see `PortableSQL`).
enum WebhookSQL {
    /// Every pending delivery of each event up to place `$2` in its event's line,
    /// with what a delivery needs; rows due at `$1` only, at most `$3`.
    static let due = """
        SELECT o.id, e.id, o.type, o.seq, n."user", o.at, o.attempts, w.url, w.secret, e.prizes, o.place,
               CASE WHEN o.type = 'event.finished'
                    THEN (SELECT count(*) FROM expirations x WHERE x.event_key = o.event_key) ELSE 0 END,
               CASE WHEN e.draw_order <> 'fifo' AND e.drawn_at IS NOT NULL AND o.seq > 0 THEN coalesce(n.place, n.seq) END
          FROM (SELECT p.id, p.event_key, p.type, p.seq, p.at, p.attempts, p.next_at,
                       row_number() OVER (PARTITION BY p.event_key ORDER BY p.id) AS place
                  FROM webhook_outbox p WHERE p.delivered_at IS NULL AND p.gave_up_at IS NULL) o
          JOIN events e ON e.key = o.event_key
          JOIN webhooks w ON w.event_key = o.event_key
          LEFT JOIN entries n ON n.event_key = o.event_key AND n.seq = o.seq AND o.seq > 0
         WHERE o.place <= $2 AND o.next_at <= $1
         ORDER BY o.id LIMIT $3
        """

    static let delivered = "UPDATE webhook_outbox SET attempts = attempts + 1, delivered_at = $2, last_error = NULL WHERE id = $1"
    static let failed = "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = $2, next_at = $3 WHERE id = $1"
    static let gaveUp = "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = $2, gave_up_at = $3 WHERE id = $1"

    /// `event.closed` for every event with a webhook whose intake has closed by `$1`.
    static let closed = """
        INSERT INTO webhook_outbox (event_key, type, seq, at, next_at)
        SELECT c.key, 'event.closed', 0, c.closed, c.closed
          FROM (SELECT e.key, CASE WHEN e.closed_at IS NULL THEN e.closes_at
                                   WHEN e.closes_at IS NULL OR e.closed_at < e.closes_at THEN e.closed_at
                                   ELSE e.closes_at END AS closed
                  FROM events e JOIN webhooks w ON w.event_key = e.key) c
         WHERE c.closed <= $1
        ON CONFLICT DO NOTHING
        """

    /// `event.finished` for every closed event with nothing left waiting.
    static let finished = """
        INSERT INTO webhook_outbox (event_key, type, seq, at, next_at)
        SELECT o.event_key, 'event.finished', 0,
               CASE WHEN d.decided_at IS NULL OR d.decided_at < o.at THEN o.at ELSE d.decided_at END, $1
          FROM webhook_outbox o
          JOIN events e ON e.key = o.event_key
          LEFT JOIN decisions d ON d.event_key = e.key AND d.last_seq = e.serving
         WHERE o.type = 'event.closed' AND e.serving = e.entries
           AND (e.closed_at IS NOT NULL OR e.closes_at <= $1)
        ON CONFLICT DO NOTHING
        """

    static let pending = "SELECT count(*) FROM webhook_outbox WHERE delivered_at IS NULL AND gave_up_at IS NULL"

    static let counts = """
        SELECT coalesce(sum(CASE WHEN delivered_at IS NULL AND gave_up_at IS NULL THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN gave_up_at IS NOT NULL THEN 1 ELSE 0 END), 0)
          FROM webhook_outbox WHERE event_key = $1
        """

    static let recent = """
        SELECT id, type, seq, at, attempts, delivered_at, gave_up_at, last_error, next_at
          FROM webhook_outbox WHERE event_key = $1 ORDER BY id DESC LIMIT $2
        """

    static let url = "SELECT url FROM webhooks WHERE event_key = $1"

    static let set = """
        INSERT INTO webhooks (event_key, url, secret, updated_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (event_key) DO UPDATE SET url = excluded.url, secret = excluded.secret, updated_at = excluded.updated_at
        """

    static let remove = "DELETE FROM webhooks WHERE event_key = $1"

    /// Sends again every delivery of event `$1` from outbox id `$3` on.
    static let redeliverFrom = """
        UPDATE webhook_outbox SET delivered_at = NULL, gave_up_at = NULL, attempts = 0, last_error = NULL, next_at = $2
         WHERE event_key = $1 AND id >= $3
        """

    /// Sends again every given-up delivery of event `$1`.
    static let redeliverGivenUp = """
        UPDATE webhook_outbox SET gave_up_at = NULL, attempts = 0, last_error = NULL, next_at = $2
         WHERE event_key = $1 AND gave_up_at IS NOT NULL
        """

    /// One row of `due` as read by either store.
    struct DueRow {
        var id: Int64, event: String, type: String, seq: Int64, user: String?, at: Int64, attempts: Int64
        var url: String, secret: String, prizes: Int64, place: Int64, expired: Int64
        /// The entry's place in line, for a drawn shuffle or lottery.
        var linePlace: Int64?
    }

    /// The deliveries of `rows` that may go now: each event's line from its head,
    /// without gaps (a head waiting for its retry holds back the rest).
    static func deliveries(_ rows: [DueRow]) -> [WebhookDelivery] {
        var expected: [String: Int64] = [:]
        var out: [WebhookDelivery] = []
        for row in rows {
            guard row.place == expected[row.event, default: 1], let type = WebhookType(rawValue: row.type),
                let target = try? WebhookTarget(url: row.url, secret: row.secret)
            else {
                expected[row.event] = -1
                continue
            }
            expected[row.event] = row.place + 1
            out.append(
                WebhookDelivery(
                    id: row.id, event: row.event, type: type, seq: row.seq, user: row.user, at: row.at, attempts: Int(row.attempts),
                    target: target, prizes: row.prizes, expired: row.expired, linePlace: row.linePlace))
        }
        return out
    }
}
