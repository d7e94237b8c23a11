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
    /// lease (a node that lost it mid-tick decides nothing). `atEntry`: only if the
    /// event decides at entry (`Event.decidesAtEntry`), as a submit transaction would.
    func decide(_ id: String, limit: Int64?, now: Int64, fenced: Bool, atEntry: Bool = false) async throws -> AwardStep {
        let (event, outcome) = try await PostgresErrors.translating {
            try await client.withTransaction(logger: logger) { connection -> (Event, AwardProcedure.Outcome?) in
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
                if atEntry && !event.decidesAtEntry { return (event, nil) }
                let presence = atEntry ? nil : board.presenceCheck(for: event, now: now, graceEnds: presenceGraceEnds)
                guard let (outcome, after) = try await Self.award(event, limit: limit, now: now, presence: presence, on: connection, logger: logger)
                else { return (event, nil) }
                return (after, outcome)
            }
        }
        guard let outcome, let decided = outcome.decided else { return AwardStep(event: id, decided: nil, won: 0, stillWaiting: event.waiting) }
        try await takeDecision(event, first: decided.lowerBound, decidedAt: outcome.decidedAt, expired: outcome.expired)
        return AwardStep(event: id, decided: decided, won: outcome.won, expired: outcome.expired, stillWaiting: event.waiting)
    }

    /// Runs the award procedure on `event`, whose row `connection`'s transaction
    /// holds; the outcome and the event as it left it, or `nil` if nothing was decided.
    static func award(
        _ event: Event, limit: Int64?, now: Int64, presence: AwardPlan.PresenceCheck?, on connection: PostgresConnection, logger: Logger
    ) async throws -> (AwardProcedure.Outcome, Event)? {
        let outcome = try await connection.run(AwardProcedure.decide(event, limit: limit, now: now, presence: presence), logger: logger)
        guard outcome.decided != nil else { return nil }
        // The schema's triggers moved the row's version: read it back.
        return (outcome, try await PostgresEventRow.fetch(connection, key: event.key, logger: logger))
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
}
