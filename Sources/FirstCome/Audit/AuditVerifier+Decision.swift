import Foundation

extension AuditVerifier {
    /// Replays a decision: it continues the previous one in place order (seq
    /// order under fifo), was made over this entry log, follows the settings in
    /// force and the award rule, and never goes back in time.
    mutating func readDecision(_ record: String, fields: [String: Any]) throws {
        let (firstKey, lastKey) = order.draws ? ("first_place", "last_place") : ("first_seq", "last_seq")
        if order.draws && places == nil {
            throw Failure(message: "control log position \(controlPosition): a decision before the draw")
        }
        guard let first = (fields[firstKey] as? NSNumber)?.int64Value, let last = (fields[lastKey] as? NSNumber)?.int64Value,
            let wins = (fields["won"] as? NSNumber)?.int64Value, let at = (fields["decided_at"] as? NSNumber)?.int64Value,
            let entryChain = fields["entry_chain"] as? String
        else { throw Failure(message: "control log position \(controlPosition): malformed decision") }
        guard first == decided + 1, last >= first, last <= Int64(statuses.count) else {
            throw Failure(seq: decided + 1, message: "decision \(first)..\(last) does not continue the decisions in order")
        }
        let chainSeq = AwardPlan.chainSeq(last: last, drawn: places?.drawn ?? 0)
        let offset = Int(chainSeq - 1) * 32
        guard AuditRecords.hex(Array(chains[offset..<offset + 32])) == entryChain else {
            throw Failure(seq: last, message: "the decision was made over a different entry log")
        }
        let expired = try expiredSeqs(fields["expired"], first: first, last: last)
        try control.decision(
            record,
            rebuilt: AuditRecords.decision(
                first: first, last: last, won: wins, expired: expired, decidedAt: at, entryChain: Array(chains[offset..<offset + 32]),
                places: order.draws),
            expired: !expired.isEmpty, position: controlPosition, first: first)
        if let drawnAt = control.settings.draw?.drawnAt, at < drawnAt {
            throw Failure(seq: first, message: "decided before the draw that ordered the entries")
        }
        guard at >= createdAt[Int(chainSeq - 1)] else {
            throw Failure(seq: chainSeq, message: "decided before the entry was made")
        }
        // Walk the step: while prizes remain each entry wins unless it expired; then all lose.
        let prizes = control.settings.prizes
        var remaining = prizes - won
        var pending = expired[...]
        for seq in first...last {
            if pending.first == seq {
                guard remaining > 0 else {
                    throw Failure(seq: seq, message: "expired after the prizes were gone; the rule gives lost")
                }
                pending.removeFirst()
                decidedStatuses.append(.expired)
            } else if remaining > 0 {
                remaining -= 1
                decidedStatuses.append(.won)
            } else {
                decidedStatuses.append(.lost)
            }
        }
        let expectedWins = prizes - won - remaining
        guard wins == expectedWins else {
            throw Failure(seq: first, message: "decision \(first)..\(last) awards \(wins) prizes; the rule gives \(expectedWins)")
        }
        guard at >= lastDecisionTime else { throw Failure(seq: first, message: "decision time goes backwards") }
        lastDecisionTime = at
        won += wins
        decided = last
        control.decided(through: last, won: won)
    }

    /// The `expired` list of a decision: ascending seqs (places in a drawn order) inside the decided range.
    func expiredSeqs(_ value: Any?, first: Int64, last: Int64) throws -> [Int64] {
        guard let value else { return [] }
        guard let list = value as? [NSNumber], !list.isEmpty else {
            throw Failure(message: "control log position \(controlPosition): malformed expired list")
        }
        let seqs = list.map(\.int64Value)
        guard zip(seqs, seqs.dropFirst()).allSatisfy({ $0 < $1 }), seqs.first! >= first, seqs.last! <= last else {
            throw Failure(seq: first, message: "decision \(first)..\(last) lists expired seqs outside it or out of order")
        }
        return seqs
    }
}
