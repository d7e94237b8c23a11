import Logging
import PostgresNIO

extension PostgresEntryStore {
    public func submit(_ submissions: [Submission], now: Int64) async throws -> [SubmitResult] {
        guard !submissions.isEmpty else { return [] }
        // Each (event, user) once: a repeat in the same batch gets the first one's entry.
        struct Key: Hashable {
            let event: String
            let user: String
        }
        var firstIndex: [Key: Int] = [:]
        firstIndex.reserveCapacity(submissions.count)
        var batch: [Submission] = []
        batch.reserveCapacity(submissions.count)
        var sent: [Int] = []
        sent.reserveCapacity(submissions.count)
        for submission in submissions {
            let key = Key(event: submission.event, user: submission.user)
            if let index = firstIndex[key] {
                sent.append(index)
            } else {
                firstIndex[key] = batch.count
                sent.append(batch.count)
                batch.append(submission)
            }
        }
        let results = try await submitUnique(batch, now: now)
        var seen = Set<Int>()
        return sent.map { index in
            defer { seen.insert(index) }
            guard seen.contains(index), case .created(let view) = results[index] else { return results[index] }
            return .existing(view)
        }
    }

    private func submitUnique(_ batch: [Submission], now: Int64) async throws -> [SubmitResult] {
        // Deciding at entry (`Event.decidesAtEntry`): a sold-out event's new entries
        // are decided lost by firstcome_submit itself, in its one round trip; a
        // direct-mode event's by `AwardProcedure` in the batch's transaction, or in
        // a second one when the board learns of the event only from this call.
        var direct = Set<String>(), looked = Set<String>()
        for submission in batch where looked.insert(submission.event).inserted {
            if board.event(id: submission.event).map(Self.decidesDirectly) == true { direct.insert(submission.event) }
        }
        let call = try await callSubmit(batch, now: now, direct: direct)
        var results = [SubmitResult?](repeating: nil, count: batch.count)
        var placed: [(index: Int, eventKey: Int64, seq: Int64, created: Bool)] = []
        var created: [Int64: (first: Int64, links: [UInt8])] = [:]
        var summaries: [(eventKey: Int64, entries: Int64, head: [UInt8], version: Int64, soldOut: SoldOutDecision?)] = []
        for row in call.rows {
            if row.item == 0, let key = row.eventKey, let entries = row.seq, let version = row.version {
                summaries.append((key, entries, row.chain, version, row.decision))
                continue
            }
            let index = row.item - 1
            guard batch.indices.contains(index) else { continue }
            let id = batch[index].event
            switch row.refusal {
            case "missing"?:
                results[index] = .rejected(.eventNotFound(id))
            case let state?:
                results[index] = .rejected(.eventNotOpen(event: id, state: EventState(rawValue: state) ?? .closed))
            case nil:
                guard let key = row.eventKey, let seq = row.seq else { continue }
                placed.append((index, key, seq, row.created))
                if row.created {
                    created[key, default: (seq, [])].links.append(contentsOf: row.chain)
                }
            }
        }
        for summary in summaries {
            let links = created[summary.eventKey]
            let known = board.advance(
                eventKey: summary.eventKey, entries: summary.entries, head: summary.head, version: summary.version,
                receipts: links?.links ?? [], receiptsFrom: links?.first ?? 0)
            if !known {
                try await catchUp(only: summary.eventKey)
            } else if let decision = call.decisions[summary.eventKey], let first = decision.outcome.decided?.lowerBound {
                try await takeDecision(decision.event, first: first, decidedAt: decision.outcome.decidedAt, expired: decision.outcome.expired)
            } else if let decision = summary.soldOut, var event = board.event(key: summary.eventKey) {
                event.serving = decision.serving
                event.controlHead = decision.controlHead
                event.version = summary.version
                try await takeDecision(event, first: decision.first, decidedAt: decision.decidedAt)
            }
        }
        for summary in summaries where created[summary.eventKey] != nil && call.decisions[summary.eventKey] == nil && summary.soldOut == nil {
            guard let event = board.event(key: summary.eventKey), Self.decidesDirectly(event) else { continue }
            do {
                _ = try await decide(event.id, limit: nil, now: now, fenced: false, atEntry: true)
            } catch {
                logger.warning("deciding at entry failed; the scheduler decides later", metadata: ["event": "\(event.id)", "error": "\(error)"])
            }
        }
        for entry in placed {
            let token = tokens.token(eventKey: entry.eventKey, seq: entry.seq)
            var view = board.view(eventKey: entry.eventKey, seq: entry.seq, token: token)
            if view == nil {
                try await catchUp(only: entry.eventKey)
                view = board.view(eventKey: entry.eventKey, seq: entry.seq, token: token)
            }
            guard let view else { throw FirstComeError.internalError }
            results[entry.index] = entry.created ? .created(view) : .existing(view)
        }
        return try results.map { result in
            guard let result else { throw FirstComeError.internalError }
            return result
        }
    }

    /// One call of `firstcome_submit`, prepared once per connection (the server
    /// parses and plans it once, not per batch). Its live definition is
    /// migrations/postgres/0010_decide_at_entry.sql (schema/postgres.sql shows the
    /// whole schema); IntakeContractTests holds its refusals to `Event.acceptsEntries`
    /// and BackendContractTests its sold-out step to `Event.decidesAtEntry`.
    struct SubmitStatement: PostgresPreparedStatement {
        static let name = "firstcome_submit"
        static let sql = """
            SELECT event_key, entries, head, version, items, seqs, created, refusals, chains, decided_from, serving, decided_at, control_head
              FROM firstcome_submit($1, $2, $3, $4, $5, $6, $7)
            """
        typealias Row = (Int64, Int64, ByteBuffer, Int64, [Int32], [Int64], [Bool], [String], [ByteBuffer], Int64, Int64, Int64, ByteBuffer)
        let events: [String]
        let users: [String]
        let payloads: [String]
        let middles: [String]
        let tails: [String]
        let now: Int64

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 7)
            bindings.append(events)
            bindings.append(users)
            bindings.append(payloads)
            bindings.append(middles)
            bindings.append(tails)
            bindings.append(now)
            bindings.append(EntrantTokens.maxSeq)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            try row.decode(Row.self)
        }
    }

    /// What `firstcome_submit` says of one submission, or (item 0) of an event after the batch.
    private struct SubmitRow {
        var item: Int
        var eventKey: Int64?
        var seq: Int64?
        var created: Bool
        var refusal: String?
        var chain: [UInt8]
        var version: Int64?
        /// The decision the call made (an event's row only): every new entry of a sold-out event, lost.
        var decision: SoldOutDecision? = nil
    }

    /// The step `firstcome_submit` decided for a sold-out event: places `first...serving`.
    private struct SoldOutDecision {
        let first: Int64
        let serving: Int64
        let decidedAt: Int64
        let controlHead: [UInt8]
    }

    /// Whether `event`'s new entries are decided at entry by `AwardProcedure`
    /// (a sold-out event's are decided by `firstcome_submit`).
    private static func decidesDirectly(_ event: Event) -> Bool {
        event.decidesAtEntry && !event.isSoldOut
    }

    /// A direct-mode decision made in the batch's transaction, and the event it left.
    private struct EntryDecision {
        let outcome: AwardProcedure.Outcome
        let event: Event
    }

    /// One call of `firstcome_submit`, with the decisions at entry of the direct-mode
    /// events in `direct` in the same transaction; sent again when the connection
    /// failed (a batch that did commit comes back as existing entries, nothing to decide).
    private func callSubmit(_ batch: [Submission], now: Int64, direct: Set<String>) async throws -> (rows: [SubmitRow], decisions: [Int64: EntryDecision]) {
        let statement = SubmitStatement(
            events: batch.map(\.event), users: batch.map(\.user), payloads: batch.map { $0.payload ?? "" },
            middles: batch.map(\.record.middle), tails: batch.map(\.record.end), now: now)
        var attempt = 1
        while true {
            do {
                if direct.isEmpty {
                    return (try await Self.rows(try await client.execute(statement, logger: logger), count: batch.count), [:])
                }
                return try await client.withTransaction(logger: logger) { connection in
                    let rows = try await Self.rows(try await connection.execute(statement, logger: logger), count: batch.count)
                    var decisions: [Int64: EntryDecision] = [:]
                    let createdIn = Set(rows.filter(\.created).compactMap(\.eventKey))
                    for row in rows where row.item == 0 {
                        guard let key = row.eventKey, createdIn.contains(key) else { continue }
                        let event = try await PostgresEventRow.fetch(connection, key: key, logger: logger)
                        guard direct.contains(event.id), Self.decidesDirectly(event) else { continue }
                        guard let (outcome, after) = try await Self.award(event, limit: nil, now: now, presence: nil, on: connection, logger: logger)
                        else { continue }
                        decisions[key] = EntryDecision(outcome: outcome, event: after)
                    }
                    return (rows, decisions)
                }
            } catch {
                guard attempt < Self.submitAttempts, PostgresErrors.isRetryable(error) else { throw PostgresErrors.map(error) }
                logger.warning("submit batch failed, sending it again", metadata: ["attempt": "\(attempt)", "error": "\(PostgresErrors.describe(error))"])
                try await Task.sleep(for: .milliseconds(50 * attempt))
                attempt += 1
            }
        }
    }

    /// The rows of one `firstcome_submit` call: one per submission, and one per event.
    private static func rows(_ sequence: AsyncThrowingMapSequence<PostgresRowSequence, SubmitStatement.Row>, count: Int) async throws -> [SubmitRow] {
        var out: [SubmitRow] = []
        out.reserveCapacity(count + 1)
        for try await (key, entries, head, version, items, seqs, created, refusals, chains, decidedFrom, serving, decidedAt, controlHead) in sequence {
            for index in items.indices {
                out.append(
                    SubmitRow(
                        item: Int(items[index]), eventKey: key == 0 ? nil : key, seq: seqs[index] == 0 ? nil : seqs[index],
                        created: created[index], refusal: refusals[index].isEmpty ? nil : refusals[index],
                        chain: PostgresEventRow.bytes(chains[index]), version: nil))
            }
            if key != 0 {
                out.append(
                    SubmitRow(
                        item: 0, eventKey: key, seq: entries, created: false, refusal: nil, chain: PostgresEventRow.bytes(head), version: version,
                        decision: decidedFrom == 0
                            ? nil
                            : SoldOutDecision(first: decidedFrom, serving: serving, decidedAt: decidedAt, controlHead: PostgresEventRow.bytes(controlHead))))
            }
        }
        return out
    }
}
