/// How admin changes apply to an event and how the control log records them:
/// written once here, applied by every store inside its transaction.
extension NewEvent {
    /// The control-log action of a creation, e.g. `{"create":{"name":…}}`.
    var createAction: String {
        ControlAction.create(
            name: name, admitPerTick: admitPerTick, opensAt: opensAt, closesAt: closesAt, identity: identity?.algorithm.rawValue,
            presenceTimeout: presenceTimeout, powBits: powBits, prequeueAt: prequeueAt)
    }

    /// The draw's secret for a drawing order (`nil` for fifo): 32 bytes from the system's secure generator.
    func drawSecret() -> [UInt8]? {
        guard order.draws else { return nil }
        var generator = SystemRandomNumberGenerator()
        return (0..<DrawAlgorithm.secretSize).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// The event's canonical rules, with the commitment to `secret` for a drawing order.
    func rules(createdAt: Int64, secret: [UInt8]?) -> String {
        AuditRecords.rules(
            event: id, prizes: prizes, mode: mode, createdAt: createdAt, order: order,
            seedCommitment: secret.map { AuditRecords.hex(DrawAlgorithm.commitment(secret: $0)) }, beacon: beacon)
    }
}

extension EventPatch {
    /// `event` with this patch applied at `now`; throws `.eventSoldOut` when it
    /// would re-open an event whose prizes are gone.
    func applied(to event: Event, now: Int64) throws -> Event {
        let before = event
        var event = event
        if let prizes {
            guard before.entries == 0, before.draw == nil else { throw FirstComeError.eventHasEntries(event.id) }
            event.prizes = prizes
        }
        if let archived { event.archived = archived }
        if let claim { event.claim = claim }
        if let name { event.name = name }
        if let paused { event.paused = paused }
        if let powBits { event.powBits = powBits }
        if let opensAt { event.opensAt = opensAt }
        if let closesAt { event.closesAt = closesAt }
        if let opens = event.opensAt, let closes = event.closesAt, closes <= opens {
            throw FirstComeError.invalidRequest("'closes_at' must be after 'opens_at'")
        }
        if let mode { event.mode = mode }
        if let admitPerTick { event.admitPerTick = admitPerTick }
        if let presenceTimeout { event.presenceTimeout = presenceTimeout }
        switch intake {
        case .closed:
            if event.closedAt == nil { event.closedAt = now }
        case .open:
            guard !event.isSoldOut else { throw FirstComeError.eventSoldOut(event.id) }
            // An explicit re-open wins over the schedule.
            event.closedAt = nil
            if let closesAt = event.closesAt, closesAt <= now { event.closesAt = nil }
            if let opensAt = event.opensAt, opensAt > now { event.opensAt = now }
        case nil:
            break
        }
        if event.archived, !event.isSoldOut, event.state(at: now) != .closed { throw FirstComeError.eventNotEnded(event.id) }
        if let prequeueAt {
            guard before.draw == nil else { throw FirstComeError.drawMade(event: event.id, what: "'prequeue_at'") }
            event.prequeueAt = prequeueAt
        }
        if before.draw != nil {
            // The shuffle's cutoff was opens_at: moving it now would misstate which entries were drawn.
            if event.order == .shuffle && event.opensAt != before.opensAt {
                throw FirstComeError.drawMade(event: event.id, what: "'opens_at' (the shuffle's cutoff)")
            }
            if event.order.draws && event.mode != .queue {
                throw FirstComeError.invalidRequest("order '\(event.order.rawValue)' needs mode 'queue'")
            }
        } else {
            try EventRules.checkOrder(
                event.order, mode: event.mode, opensAt: event.opensAt, closesAt: event.closesAt, closedAt: event.closedAt,
                prequeueAt: event.prequeueAt, beacon: event.beacon)
        }
        return event
    }

    /// The control-log action of this patch, e.g. `{"patch":{"mode":"direct"}}`;
    /// `nil` when it changes only what the log does not carry (the claim instructions).
    var patchAction: String? {
        var fields = JSONObject()
        if let mode { fields.string("mode", mode.rawValue) }
        if let intake { fields.string("state", intake.rawValue) }
        if let admitPerTick { fields.integer("admit_per_tick", admitPerTick) }
        if let presenceTimeout { fields.integer("presence_timeout_s", presenceTimeout) }
        if let name { fields.string("name", name) }
        if let paused { fields.raw("paused", paused ? "true" : "false") }
        if let opensAt { fields.integer("opens_at", opensAt) }
        if let closesAt { fields.integer("closes_at", closesAt) }
        if let powBits { fields.integer("pow_bits", powBits) }
        if let prequeueAt { fields.integer("prequeue_at", prequeueAt) }
        if let prizes { fields.integer("prizes", prizes) }
        if let archived { fields.raw("archived", archived ? "true" : "false") }
        guard !fields.isEmpty else { return nil }
        return ControlAction.action("patch", fields)
    }
}

enum ControlAction {
    /// The action record of an event's creation (its settings beside the rules).
    static func create(
        name: String, admitPerTick: Int64?, opensAt: Int64?, closesAt: Int64?, identity: String?, presenceTimeout: Int64?, powBits: Int64,
        prequeueAt: Int64? = nil
    ) -> String {
        var fields = JSONObject()
        fields.string("name", name)
        fields.integer("admit_per_tick", admitPerTick)
        fields.integer("opens_at", opensAt)
        fields.integer("closes_at", closesAt)
        fields.string("identity", identity)
        fields.integer("presence_timeout_s", presenceTimeout)
        // Written only when asked, so records of events without it stay as they were.
        if powBits > 0 { fields.integer("pow_bits", powBits) }
        if let prequeueAt { fields.integer("prequeue_at", prequeueAt) }
        return action("create", fields)
    }

    /// The action record of an admin change: `{"KIND":{FIELDS}}`.
    static func action(_ kind: String, _ fields: JSONObject) -> String {
        var object = JSONObject()
        object.raw(kind, fields.json)
        return object.json
    }
}

extension Event {
    /// This event with the value of its beacon, posted at `now`: only for an
    /// event that names a beacon, once, after the draw's cutoff (so nobody can
    /// add entries knowing it) and before the draw.
    public func withBeacon(_ value: String, now: Int64) throws -> Event {
        guard let beacon else { throw FirstComeError.beaconRefused("event '\(id)' names no beacon; its draw does not wait for one") }
        guard draw == nil else { throw FirstComeError.drawMade(event: id, what: "the beacon value") }
        guard beaconValue == nil else { throw FirstComeError.beaconRefused("event '\(id)' already has the value of \(beacon)") }
        try EventRules.checkBeaconValue(value, beacon: beacon)
        guard let cutoff = drawCutoff, now >= cutoff else {
            let when = drawCutoff.map { " (\(Timestamp.format($0)))" } ?? ""
            throw FirstComeError.beaconRefused("the beacon value is taken once the draw's entries are fixed\(when), not before")
        }
        var event = self
        event.beaconValue = value
        return event
    }
}
