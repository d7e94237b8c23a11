/// The writes to `events` an admin makes, written once for both stores: each
/// store reads the event in its transaction, applies the rule (`NewEvent`,
/// `EventPatch.applied`) and runs the statement made here.
enum EventSQL {
    /// Inserts a new event with its rules, chain starts and draw secret.
    static func insert(_ new: NewEvent, now: Int64, rules: String, genesis: [UInt8], secret: [UInt8]?) -> SQLStatement {
        SQLStatement(
            sql: """
                INSERT INTO events (id, name, prizes, mode, admit_per_tick, opens_at, closes_at, created_at,
                                    identity_algorithm, identity_key, identity_issuer, identity_audience,
                                    rules, genesis, head, control_head, presence_timeout_s, pow_bits,
                                    draw_order, prequeue_at, beacon, draw_secret, claim_text, claim_link, pass_lifetime_s)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
                """,
            values: [
                .text(new.id), .text(new.name), .integer(new.prizes), .text(new.mode.rawValue), .integer(new.admitPerTick),
                .integer(new.opensAt), .integer(new.closesAt), .integer(now), .text(new.identity?.algorithm.rawValue),
                .text(new.identity?.key), .text(new.identity?.issuer), .text(new.identity?.audience), .text(rules), .blob(genesis),
                .integer(new.presenceTimeout), .integer(new.powBits), .text(new.order.rawValue), .integer(new.prequeueAt),
                .text(new.beacon), .blob(secret), .text(new.claim?.text), .text(new.claim?.link), .integer(new.claim?.passLifetime),
            ])
    }

    /// Writes an admin change that `event` holds after `patch.applied`, with its
    /// control-log record when the patch makes one; `event` takes the new head.
    static func update(_ event: inout Event, patch: EventPatch, now: Int64) -> SQLProcedure<Void> {
        var writes = [settings(event)]
        if let action = patch.patchAction { writes += ControlLogSQL.append(&event, record: AuditRecords.action(at: now, action: action)) }
        return .writes(writes, then: ())
    }

    /// Records a beacon value `event` holds after `Event.withBeacon`.
    static func beacon(_ event: Event) -> SQLProcedure<Void> {
        .writes([SQLStatement(sql: "UPDATE events SET beacon_value = $1 WHERE key = $2", values: [.text(event.beaconValue), .integer(event.key)])], then: ())
    }

    /// Writes every setting an admin change can make, as `event` holds them after it.
    private static func settings(_ event: Event) -> SQLStatement {
        SQLStatement(
            sql: """
                UPDATE events SET mode = $1, admit_per_tick = $2, opens_at = $3, closes_at = $4, closed_at = $5,
                                  presence_timeout_s = $6, name = $7, paused = $8, pow_bits = $9, prequeue_at = $10,
                                  prizes = $11, archived = $12, claim_text = $13, claim_link = $14, pass_lifetime_s = $15
                 WHERE key = $16
                """,
            values: [
                .text(event.mode.rawValue), .integer(event.admitPerTick), .integer(event.opensAt), .integer(event.closesAt),
                .integer(event.closedAt), .integer(event.presenceTimeout), .text(event.name), .bool(event.paused),
                .integer(event.powBits), .integer(event.prequeueAt), .integer(event.prizes), .bool(event.archived),
                .text(event.claim?.text), .text(event.claim?.link), .integer(event.claim?.passLifetime), .integer(event.key),
            ])
    }
}
