import GRDB

extension SQLiteEntryStore: BlockingSubmitStore {
    public func submit(_ batch: [Submission], now: Int64) async throws -> [SubmitResult] {
        let outcome = try await StorageErrors.translating {
            try await pool.write { db in try record(batch, now: now, in: db) }
        }
        return settle(outcome).map(result(of:))
    }

    /// The same on the calling thread: GRDB runs the transaction there when the
    /// writer is free, so the group committer's own thread needs no hop. The
    /// entries' tokens and views are left to `result(of:)`.
    public func submitBlocking(_ batch: [Submission], now: Int64) throws -> [CommittedSubmission] {
        let outcome = try StorageErrors.translating {
            try pool.write { db in try record(batch, now: now, in: db) }
        }
        return settle(outcome)
    }

    /// A committed submission's entry with its token, as the board shows it now:
    /// the batch was put on the board before it was handed on, so the entry is
    /// there, as of its commit or later.
    public func result(of committed: CommittedSubmission) -> SubmitResult {
        switch committed {
        case .rejected(let error):
            return .rejected(error)
        case .entry(let eventKey, let seq, let created):
            let view = board.view(eventKey: eventKey, seq: seq, token: tokens.token(eventKey: eventKey, seq: seq))!
            return created ? .created(view) : .existing(view)
        }
    }

    /// The batch's transaction, its events stamped with the commit's version.
    private func record(_ batch: [Submission], now: Int64, in db: Database) throws -> SubmitTransaction.Outcome {
        var outcome = try SubmitTransaction(db: db, now: now).run(batch)
        let stamp = stamps.next()
        for key in outcome.events.keys { outcome.events[key]!.version = stamp }
        return outcome
    }

    /// Puts a committed batch on the board (in commit order: on the committing
    /// thread, before anyone is answered) and returns each submission's outcome.
    private func settle(_ outcome: SubmitTransaction.Outcome) -> [CommittedSubmission] {
        for (key, event) in outcome.events {
            let chains = outcome.chains[key] ?? []
            board.update(
                event, decisions: outcome.decisions[key].map { [$0] } ?? [], receipts: chains,
                receiptsFrom: event.entries - Int64(chains.count / Receipts.linkSize) + 1)
        }
        return outcome.items
    }
}
