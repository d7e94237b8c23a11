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
        let rows = try await callSubmit(batch, now: now)
        var results = [SubmitResult?](repeating: nil, count: batch.count)
        var placed: [(index: Int, eventKey: Int64, seq: Int64, created: Bool)] = []
        var created: [Int64: (first: Int64, links: [UInt8])] = [:]
        var summaries: [(eventKey: Int64, entries: Int64, head: [UInt8], version: Int64, decision: EntryDecision?)] = []
        for row in rows {
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
            } else if let decision = summary.decision, var event = board.event(key: summary.eventKey) {
                event.serving = decision.serving
                event.controlHead = decision.controlHead
                event.version = summary.version
                try await takeDecision(event, first: decision.first, decidedAt: decision.decidedAt)
            }
        }
        // Direct mode: decide at once, before anyone is answered (`Event.decidesAtEntry`;
        // a sold-out event's new entries were decided lost by firstcome_submit itself).
        for summary in summaries where created[summary.eventKey] != nil {
            guard let event = board.event(key: summary.eventKey), event.decidesAtEntry, !event.isSoldOut else { continue }
            do {
                _ = try await decide(event.id, limit: nil, now: now, fenced: false)
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
        var decision: EntryDecision? = nil
    }

    /// The step `firstcome_submit` decided for a sold-out event: places `first...serving`.
    private struct EntryDecision {
        let first: Int64
        let serving: Int64
        let decidedAt: Int64
        let controlHead: [UInt8]
    }

    /// One call of `firstcome_submit` (its own transaction), sent again when the
    /// connection failed: a batch that did commit comes back as existing entries.
    private func callSubmit(_ batch: [Submission], now: Int64) async throws -> [SubmitRow] {
        let events = batch.map(\.event)
        let users = batch.map(\.user)
        let payloads = batch.map { $0.payload ?? "" }
        let middles = batch.map(\.record.middle)
        let tails = batch.map(\.record.end)
        var attempt = 1
        while true {
            do {
                let statement = SubmitStatement(
                    events: events, users: users, payloads: payloads, middles: middles, tails: tails, now: now)
                var out: [SubmitRow] = []
                out.reserveCapacity(batch.count + 1)
                for try await (key, entries, head, version, items, seqs, created, refusals, chains, decidedFrom, serving, decidedAt, controlHead)
                    in try await client.execute(
                    statement, logger: logger)
                {
                    for index in items.indices {
                        out.append(
                            SubmitRow(
                                item: Int(items[index]), eventKey: key == 0 ? nil : key, seq: seqs[index] == 0 ? nil : seqs[index],
                                created: created[index], refusal: refusals[index].isEmpty ? nil : refusals[index],
                                chain: PostgresEventRow.bytes(chains[index]), version: nil))
                    }
                    if key != 0 {
                        let decision = decidedFrom == 0
                            ? nil
                            : EntryDecision(first: decidedFrom, serving: serving, decidedAt: decidedAt, controlHead: PostgresEventRow.bytes(controlHead))
                        out.append(
                            SubmitRow(
                                item: 0, eventKey: key, seq: entries, created: false, refusal: nil, chain: PostgresEventRow.bytes(head), version: version,
                                decision: decision))
                    }
                }
                return out
            } catch {
                guard attempt < Self.submitAttempts, PostgresErrors.isRetryable(error) else { throw PostgresErrors.map(error) }
                logger.warning("submit batch failed, sending it again", metadata: ["attempt": "\(attempt)", "error": "\(PostgresErrors.describe(error))"])
                try await Task.sleep(for: .milliseconds(50 * attempt))
                attempt += 1
            }
        }
    }
}
