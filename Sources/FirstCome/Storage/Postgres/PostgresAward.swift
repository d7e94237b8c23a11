import Logging
import PostgresNIO

extension PostgresEntryStore {
    /// The lease row's name.
    static let leaseName = "award"

    public func holdSchedulerLease(for duration: Duration) async throws -> Bool {
        let milliseconds = Int64(duration.milliseconds)
        return try await PostgresErrors.translating {
            let rows = try await client.query(
                """
                INSERT INTO scheduler_lease (name, holder, expires_at)
                VALUES (\(Self.leaseName), \(node), now() + \(milliseconds) * interval '1 millisecond')
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                 WHERE scheduler_lease.holder = excluded.holder OR scheduler_lease.expires_at < now()
                RETURNING holder
                """, logger: logger)
            var held = false
            for try await _ in rows.decode(String.self) { held = true }
            return held
        }
    }

    public func award(event id: String, limit: Int64, now: Int64) async throws -> AwardStep {
        try await decide(id, limit: limit, now: now, fenced: true)
    }

    /// Decides up to `limit` waiting entries of one event in one transaction that
    /// holds the event row. `fenced`: only while this node holds the scheduler
    /// lease (a node that lost it mid-tick decides nothing).
    func decide(_ id: String, limit: Int64?, now: Int64, fenced: Bool) async throws -> AwardStep {
        let (event, plan) = try await PostgresErrors.translating {
            try await client.withTransaction(logger: logger) { connection -> (Event, (AwardPlan, Int64)?) in
                if fenced {
                    var holds = false
                    for try await _ in try await connection.query(
                        """
                        SELECT holder FROM scheduler_lease
                         WHERE name = \(Self.leaseName) AND holder = \(node) AND expires_at > now() FOR SHARE
                        """, logger: logger
                    ).decode(String.self) {
                        holds = true
                    }
                    if !holds { return (try await PostgresEventRow.fetchRequired(connection, id: id, logger: logger), nil) }
                }
                let event = try await PostgresEventRow.fetchRequired(connection, id: id, lock: true, logger: logger)
                guard let window = AwardPlan.window(event, limit: limit) else { return (event, nil) }
                var earlier: [Int64] = []
                for try await last in try await connection.query(
                    """
                    (SELECT decided_at FROM decisions WHERE event_key = \(event.key) ORDER BY last_seq DESC LIMIT 1)
                    UNION ALL (SELECT created_at FROM entries WHERE event_key = \(event.key) AND seq = \(event.entries))
                    """, logger: logger
                ).decode(Int64.self) {
                    earlier.append(last)
                }
                let now = AwardPlan.decisionTime(now, event: event, earlier: earlier)
                let check = event.remaining > 0 ? board.presenceCheck(for: event, now: now, graceEnds: presenceGraceEnds) : nil
                let drawn = event.draw?.drawn ?? 0
                let seen = check == nil ? [] : try await lastSeen(connection, eventKey: event.key, places: window, drawn: drawn)
                let plan = AwardPlan.plan(event, window: window, now: now, presence: check, lastSeen: seen)
                // Order matters to the triggers: entries and expirations change
                // while their places are still above `serving`.
                for run in plan.wins {
                    for (part, byPlace) in PlaceRanges.split(run, drawn: drawn) {
                        try await connection.query(
                            """
                            UPDATE entries SET status = 'won', decided_at = \(now)
                             WHERE event_key = \(event.key) AND \(unescaped: byPlace ? "place" : "seq") BETWEEN \(part.lowerBound) AND \(part.upperBound)
                            """, logger: logger)
                    }
                }
                if !plan.expired.isEmpty {
                    try await connection.query(
                        """
                        INSERT INTO expirations (event_key, seq, expired_at)
                        SELECT \(event.key), e.seq, \(now) FROM unnest(\(plan.expired)::bigint[]) s
                          JOIN entries e ON e.event_key = \(event.key) AND (e.place = s OR (e.place IS NULL AND e.seq = s AND s > \(drawn)))
                        """, logger: logger)
                }
                try await connection.query(
                    """
                    INSERT INTO decisions (event_key, last_seq, first_seq, decided_at) VALUES (\(event.key), \(plan.last), \(plan.first), \(now))
                    """, logger: logger)
                try await connection.query("UPDATE events SET serving = \(plan.last) WHERE key = \(event.key)", logger: logger)
                let chainSeq = AwardPlan.chainSeq(last: plan.last, drawn: drawn)
                let entryChain = chainSeq == event.entries ? event.head : try await chain(connection, eventKey: event.key, seq: chainSeq)
                var decided = plan.applied(to: event)
                try await PostgresControlLog.append(
                    connection, event: &decided, record: plan.record(decidedAt: now, entryChain: entryChain, places: event.order.draws), logger: logger)
                return (try await PostgresEventRow.fetch(connection, key: event.key, logger: logger), (plan, now))
            }
        }
        guard let (plan, now) = plan else { return AwardStep(event: id, decided: nil, won: 0, stillWaiting: event.waiting) }
        try await takeDecision(event, first: plan.first, decidedAt: now, expired: plan.expired)
        return AwardStep(event: id, decided: plan.first...plan.last, won: plan.won, expired: plan.expired, stillWaiting: event.waiting)
    }

    /// Puts a committed decision of places `first...event.serving` on the board. The
    /// board takes it as it is only when it knew every earlier one (their expired
    /// seqs above all); otherwise it reads them from the database.
    func takeDecision(_ event: Event, first: Int64, decidedAt: Int64, expired: [Int64] = []) async throws {
        if board.known(eventKey: event.key)?.decidedTo == first - 1 {
            board.update(event, decisions: [.init(lastSeq: event.serving, decidedAt: decidedAt)], expired: expired)
        } else {
            try await catchUp(only: event.key)
        }
    }

    private func lastSeen(
        _ connection: PostgresConnection, eventKey: Int64, places: ClosedRange<Int64>, drawn: Int64
    ) async throws -> [AwardPlan.Seen] {
        var seen: [AwardPlan.Seen] = []
        for (part, byPlace) in PlaceRanges.split(places, drawn: drawn) {
            let column = byPlace ? "e.place" : "e.seq"
            let rows = try await connection.query(
                """
                SELECT \(unescaped: column), e.seq, greatest(e.created_at, coalesce(p.seen_at, 0)) FROM entries e
                  LEFT JOIN presence p ON p.event_key = e.event_key AND p.seq = e.seq
                 WHERE e.event_key = \(eventKey) AND \(unescaped: column) BETWEEN \(part.lowerBound) AND \(part.upperBound)
                 ORDER BY \(unescaped: column)
                """, logger: logger)
            for try await (place, seq, at) in rows.decode((Int64, Int64, Int64).self) {
                seen.append(AwardPlan.Seen(place: place, seq: seq, seenAt: at))
            }
        }
        return seen
    }

    func chain(_ connection: PostgresConnection, eventKey: Int64, seq: Int64) async throws -> [UInt8] {
        var link: [UInt8] = []
        for try await value in try await connection.query(
            "SELECT chain FROM entries WHERE event_key = \(eventKey) AND seq = \(seq)", logger: logger
        ).decode(ByteBuffer.self) {
            link = PostgresEventRow.bytes(value)
        }
        return link
    }
}
