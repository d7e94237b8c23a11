/// The columns of `events` every query on it selects, and how a row of them
/// becomes an `Event`: written once, read through each driver's cells.
enum EventColumns {
    /// In this order on both backends; PostgreSQL adds `version` after them.
    static let list =
        "key, id, name, prizes, mode, admit_per_tick, opens_at, closes_at, closed_at, entries, serving, awarded, created_at, "
        + "identity_algorithm, identity_key, identity_issuer, identity_audience, genesis, head, control_head, rules, "
        + "presence_timeout_s, paused, pow_bits, draw_order, prequeue_at, beacon, beacon_value, draw_cutoff, drawn, drawn_at, draw_secret, "
        + "archived, claim_text, claim_link, pass_lifetime_s"
    /// How many `list` names: a backend's own columns come after.
    static let count = list.split(separator: ",").count

    /// The events with entries waiting for a decision (and, for a drawing order, their draw made).
    static let waitingFilter = "WHERE entries > serving AND NOT paused AND (draw_order = 'fifo' OR drawn_at IS NOT NULL) ORDER BY key"

    /// The events of a drawing order whose draw is not made yet.
    static let undrawnFilter = "WHERE draw_order <> 'fifo' AND drawn_at IS NULL"

    static func decode<Cells: EventCells>(_ row: Cells) throws(Cells.Failure) -> Event {
        var identity: IdentityRule?
        if let name = try row.textOrNil(13), let algorithm = IdentityRule.Algorithm(rawValue: name), let key = try row.textOrNil(14) {
            identity = try? IdentityRule(algorithm: algorithm, key: key, issuer: try row.textOrNil(15), audience: try row.textOrNil(16))
        }
        var event = Event(
            key: try row.integer(0), id: try row.text(1), name: try row.text(2), prizes: try row.integer(3),
            mode: EventMode(rawValue: try row.text(4)) ?? .queue, admitPerTick: try row.integerOrNil(5), opensAt: try row.integerOrNil(6),
            closesAt: try row.integerOrNil(7), closedAt: try row.integerOrNil(8), entries: try row.integer(9), serving: try row.integer(10),
            awarded: try row.integer(11), createdAt: try row.integer(12), identity: identity)
        event.genesis = try row.bytesOrNil(17) ?? []
        event.head = try row.bytesOrNil(18) ?? []
        event.controlHead = try row.bytesOrNil(19) ?? []
        event.rules = try row.textOrNil(20) ?? ""
        event.presenceTimeout = try row.integerOrNil(21)
        event.paused = try row.flag(22)
        event.powBits = try row.integer(23)
        event.order = EventOrder(rawValue: try row.text(24)) ?? .fifo
        event.prequeueAt = try row.integerOrNil(25)
        event.beacon = try row.textOrNil(26)
        event.beaconValue = try row.textOrNil(27)
        if let cutoff = try row.integerOrNil(28), let drawn = try row.integerOrNil(29), let drawnAt = try row.integerOrNil(30) {
            event.draw = DrawMade(cutoff: cutoff, drawn: drawn, drawnAt: drawnAt)
        }
        if let secret = try row.bytesOrNil(31) { event.seedCommitment = AuditRecords.hex(DrawAlgorithm.commitment(secret: secret)) }
        event.archived = try row.flag(32)
        event.claim = ClaimInstructions.stored(text: try row.textOrNil(33), link: try row.textOrNil(34), passLifetime: try row.integerOrNil(35))
        return event
    }
}

/// One row's cells as a driver gives them, by position.
protocol EventCells {
    associatedtype Failure: Error
    func integer(_ index: Int) throws(Failure) -> Int64
    func integerOrNil(_ index: Int) throws(Failure) -> Int64?
    func text(_ index: Int) throws(Failure) -> String
    func textOrNil(_ index: Int) throws(Failure) -> String?
    func flag(_ index: Int) throws(Failure) -> Bool
    func bytesOrNil(_ index: Int) throws(Failure) -> [UInt8]?
}
