import Hummingbird

/// The public JSON form of an event. Absent times and limits are explicit `null`s.
enum EventJSON {
    /// `admin` adds what only the operator sees (the claim instructions).
    static func render(_ event: Event, now: Int64, admin: Bool = false) -> String {
        var object = JSONObject()
        object.string("id", event.id)
        object.string("name", event.name)
        object.integer("prizes", event.prizes)
        object.string("mode", event.mode.rawValue)
        object.string("state", event.state(at: now).rawValue)
        object.integer("entries", event.entries)
        object.integer("awarded", event.awarded)
        object.integer("remaining", event.remaining)
        object.integer("serving", event.serving)
        object.integer("waiting", event.waiting)
        object.integer("admit_per_tick", event.admitPerTick)
        object.integer("presence_timeout_s", event.presenceTimeout)
        object.raw("paused", event.paused ? "true" : "false")
        object.integer("pow_bits", event.powBits)
        object.string("opens_at", event.opensAt.map(Timestamp.format))
        object.string("closes_at", event.closesAt.map(Timestamp.format))
        object.string("order", event.order.rawValue)
        object.string("prequeue_at", event.prequeueAt.map(Timestamp.format))
        object.string("seed_commitment", event.seedCommitment)
        object.string("beacon", event.beacon)
        object.string("drawn_at", event.draw.map { Timestamp.format($0.drawnAt) })
        object.string("created_at", Timestamp.format(event.createdAt))
        if let rule = event.identity {
            var identity = JSONObject()
            identity.string("algorithm", rule.algorithm.rawValue)
            identity.string("issuer", rule.issuer)
            identity.string("audience", rule.audience)
            object.raw("identity", identity.json)
        } else {
            object.raw("identity", "null")
        }
        object.raw("archived", event.archived ? "true" : "false")
        if admin {
            if let claim = event.claim {
                var fields = JSONObject()
                fields.string("text", claim.text)
                fields.string("link", claim.link)
                fields.integer("pass_lifetime_s", claim.passLifetime)
                object.raw("claim", fields.json)
            } else {
                object.raw("claim", "null")
            }
        }
        return object.json
    }

    static func response(_ event: Event, now: Int64, status: HTTPResponse.Status = .ok, admin: Bool = false) -> Response {
        .json(render(event, now: now, admin: admin), status: status)
    }
}

/// Body of `POST /v1/events`.
struct CreateEventRequest: Decodable {
    let event: NewEvent

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, prizes, mode
        case admitPerTick = "admit_per_tick"
        case opensAt = "opens_at"
        case closesAt = "closes_at"
        case presenceTimeout = "presence_timeout_s"
        case powBits = "pow_bits"
        case prequeueAt = "prequeue_at"
        case identity, webhook, order, beacon, claim
    }

    /// `"identity": {"algorithm", "key", "issuer"?, "audience"?}`
    struct IdentityBody: Decodable {
        let rule: IdentityRule

        enum CodingKeys: String, CodingKey, CaseIterable { case algorithm, key, issuer, audience }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(allowed: Set(CodingKeys.allCases.map(\.rawValue)))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let name = try container.decode(String.self, forKey: .algorithm)
            guard let algorithm = IdentityRule.Algorithm(rawValue: name) else {
                throw FirstComeError.invalidRequest("'identity.algorithm' must be HS256, ES256 or RS256")
            }
            rule = try IdentityRule(
                algorithm: algorithm, key: container.decode(String.self, forKey: .key),
                issuer: container.decodeIfPresent(String.self, forKey: .issuer),
                audience: container.decodeIfPresent(String.self, forKey: .audience))
        }
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var event = try NewEvent(
            id: container.decode(String.self, forKey: .id),
            name: container.decode(String.self, forKey: .name),
            prizes: container.decode(Int64.self, forKey: .prizes),
            mode: container.decodeIfPresent(EventMode.self, forKey: .mode) ?? .queue,
            admitPerTick: container.decodeIfPresent(Int64.self, forKey: .admitPerTick),
            opensAt: container.decodeTimestamp(forKey: .opensAt),
            closesAt: container.decodeTimestamp(forKey: .closesAt),
            identity: container.decodeIfPresent(IdentityBody.self, forKey: .identity)?.rule,
            presenceTimeout: container.decodeIfPresent(Int64.self, forKey: .presenceTimeout))
        event.webhook = try container.decodeIfPresent(WebhookBody.self, forKey: .webhook)?.target
        if let bits = try container.decodeIfPresent(Int64.self, forKey: .powBits) {
            try EventRules.checkPowBits(bits)
            event.powBits = bits
        }
        if let name = try container.decodeIfPresent(String.self, forKey: .order) {
            guard let order = EventOrder(rawValue: name) else { throw FirstComeError.invalidRequest("'order' must be \"fifo\", \"shuffle\" or \"lottery\"") }
            event.order = order
        }
        event.prequeueAt = try container.decodeTimestamp(forKey: .prequeueAt)
        event.beacon = try container.decodeIfPresent(String.self, forKey: .beacon)
        event.claim = try container.decodeIfPresent(ClaimBody.self, forKey: .claim)?.claim
        try EventRules.checkOrder(
            event.order, mode: event.mode, opensAt: event.opensAt, closesAt: event.closesAt, prequeueAt: event.prequeueAt, beacon: event.beacon)
        self.event = event
    }
}

/// `"webhook": {"url", "secret"}` at create or PATCH.
struct WebhookBody: Decodable {
    let target: WebhookTarget

    enum CodingKeys: String, CodingKey, CaseIterable { case url, secret }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        target = try WebhookTarget(url: container.decode(String.self, forKey: .url), secret: container.decode(String.self, forKey: .secret))
    }
}

/// `"claim": {"text"?, "link"?, "pass_lifetime_s"?}` at create or PATCH (a PATCH replaces all three).
struct ClaimBody: Decodable {
    /// `nil` when nothing is set.
    let claim: ClaimInstructions?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case text, link
        case passLifetime = "pass_lifetime_s"
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let sent = try ClaimInstructions(
            text: container.decodeIfPresent(String.self, forKey: .text), link: container.decodeIfPresent(String.self, forKey: .link),
            passLifetime: container.decodeIfPresent(Int64.self, forKey: .passLifetime))
        // `{}` sets nothing: the same as no claim instructions.
        claim = sent.isEmpty ? nil : sent
    }
}

/// Body of `PATCH /v1/events/{id}`.
struct PatchEventRequest: Decodable {
    /// The change to the event itself; `nil` when the body sets only the webhook.
    let patch: EventPatch?
    /// `.some(nil)` removes the webhook; `nil` leaves it as it is.
    let webhook: WebhookTarget??

    enum CodingKeys: String, CodingKey, CaseIterable {
        case mode, state, name, paused, webhook, prizes, archived, claim
        case powBits = "pow_bits"
        case admitPerTick = "admit_per_tick"
        case presenceTimeout = "presence_timeout_s"
        case opensAt = "opens_at"
        case closesAt = "closes_at"
        case prequeueAt = "prequeue_at"
    }

    init(from decoder: any Decoder) throws {
        let given = try decoder.container(keyedBy: AnyCodingKey.self)
        for fixed in ["order", "beacon"] where given.contains(AnyCodingKey(stringValue: fixed)) {
            throw FirstComeError.invalidRequest("'\(fixed)' is part of the event's audited rules: it is set when the event is created and never changes")
        }
        try decoder.rejectUnknownKeys(allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var prequeueAt: Int64?? = nil
        if container.contains(.prequeueAt) { prequeueAt = .some(try container.decodeTimestamp(forKey: .prequeueAt)) }
        var admitPerTick: Int64?? = nil
        if container.contains(.admitPerTick) {
            admitPerTick = .some(try container.decodeIfPresent(Int64.self, forKey: .admitPerTick))
        }
        var presenceTimeout: Int64?? = nil
        if container.contains(.presenceTimeout) {
            presenceTimeout = .some(try container.decodeIfPresent(Int64.self, forKey: .presenceTimeout))
        }
        var intake: EventPatch.Intake?
        if let state = try container.decodeIfPresent(String.self, forKey: .state) {
            guard let value = EventPatch.Intake(rawValue: state) else {
                throw FirstComeError.invalidRequest("'state' must be \"open\" or \"closed\"")
            }
            intake = value
        }
        var opensAt: Int64?? = nil
        if container.contains(.opensAt) { opensAt = .some(try container.decodeTimestamp(forKey: .opensAt)) }
        var closesAt: Int64?? = nil
        if container.contains(.closesAt) { closesAt = .some(try container.decodeTimestamp(forKey: .closesAt)) }
        webhook = container.contains(.webhook) ? .some(try container.decodeIfPresent(WebhookBody.self, forKey: .webhook)?.target) : nil
        if webhook != nil, container.allKeys.count == 1 {
            patch = nil
            return
        }
        patch = try EventPatch(
            mode: container.decodeIfPresent(EventMode.self, forKey: .mode), intake: intake, admitPerTick: admitPerTick,
            presenceTimeout: presenceTimeout, name: container.decodeIfPresent(String.self, forKey: .name), opensAt: opensAt,
            closesAt: closesAt, paused: container.decodeIfPresent(Bool.self, forKey: .paused),
            powBits: container.decodeIfPresent(Int64.self, forKey: .powBits), prequeueAt: prequeueAt,
            prizes: container.decodeIfPresent(Int64.self, forKey: .prizes), archived: container.decodeIfPresent(Bool.self, forKey: .archived),
            claim: container.contains(.claim) ? .some(try container.decodeIfPresent(ClaimBody.self, forKey: .claim)?.claim) : nil)
    }
}
