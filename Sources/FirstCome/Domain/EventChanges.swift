/// How admin changes apply to an event and how the control log records them:
/// written once here, applied by every store inside its transaction.
extension NewEvent {
    /// The control-log action of a creation, e.g. `{"create":{"name":…}}`.
    var createAction: String {
        ControlAction.create(
            name: name, admitPerTick: admitPerTick, opensAt: opensAt, closesAt: closesAt, identity: identity?.algorithm.rawValue,
            presenceTimeout: presenceTimeout, powBits: powBits)
    }
}

extension EventPatch {
    /// `event` with this patch applied at `now`; throws `.eventSoldOut` when it
    /// would re-open an event whose prizes are gone.
    func applied(to event: Event, now: Int64) throws -> Event {
        var event = event
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
        return event
    }

    /// The control-log action of this patch, e.g. `{"patch":{"mode":"direct"}}`.
    var patchAction: String {
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
        return ControlAction.action("patch", fields)
    }
}

enum ControlAction {
    /// The action record of an event's creation (its settings beside the rules).
    static func create(
        name: String, admitPerTick: Int64?, opensAt: Int64?, closesAt: Int64?, identity: String?, presenceTimeout: Int64?, powBits: Int64
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
        return action("create", fields)
    }

    /// The action record of an admin change: `{"KIND":{FIELDS}}`.
    static func action(_ kind: String, _ fields: JSONObject) -> String {
        var object = JSONObject()
        object.raw(kind, fields.json)
        return object.json
    }
}
