/// Reads the console's event forms into the same validated values the JSON API
/// builds (`NewEvent`, `EventPatch`), so both refuse the same input with the same
/// messages. Empty optional fields mean "none" (no limit, no expiry, no time).
enum ConsoleEventForm {
    /// The fields of the create form.
    static let createFields: Set<String> = [
        "id", "name", "prizes", "mode", "admit_per_tick", "presence_timeout_s", "opens_at", "closes_at", "pow_bits", "order",
        "prequeue_at", "beacon", "webhook_url", "webhook_secret",
    ]
    /// The fields of the settings form.
    static let settingsFields: Set<String> = [
        "name", "mode", "admit_per_tick", "presence_timeout_s", "opens_at", "closes_at", "pow_bits", "prizes", "claim_text", "claim_link",
        "pass_lifetime_s",
    ]

    /// A new event from the create form.
    static func newEvent(_ fields: [String: String]) throws -> NewEvent {
        guard let prizes = try integer(fields, "prizes") else { throw FirstComeError.invalidRequest("missing field 'prizes'") }
        var event = try NewEvent(
            id: fields["id"]?.trimmingCharacters(in: .whitespaces) ?? "", name: fields["name"] ?? "", prizes: prizes,
            mode: try mode(fields) ?? .queue, admitPerTick: try integer(fields, "admit_per_tick"),
            opensAt: try time(fields, "opens_at"), closesAt: try time(fields, "closes_at"),
            presenceTimeout: try integer(fields, "presence_timeout_s"))
        if let bits = try integer(fields, "pow_bits") {
            try EventRules.checkPowBits(bits)
            event.powBits = bits
        }
        if let text = fields["order"], !text.isEmpty {
            guard let order = EventOrder(rawValue: text) else { throw FirstComeError.invalidRequest("'order' must be fifo, shuffle or lottery") }
            event.order = order
        }
        event.prequeueAt = try time(fields, "prequeue_at")
        if let beacon = fields["beacon"]?.trimmingCharacters(in: .whitespaces), !beacon.isEmpty { event.beacon = beacon }
        if let url = fields["webhook_url"]?.trimmingCharacters(in: .whitespaces), !url.isEmpty {
            event.webhook = try WebhookTarget(url: url, secret: fields["webhook_secret"] ?? "")
        }
        try EventRules.checkOrder(
            event.order, mode: event.mode, opensAt: event.opensAt, closesAt: event.closesAt, prequeueAt: event.prequeueAt, beacon: event.beacon)
        return event
    }

    /// The claim fields (text, link, pass lifetime); `nil` when all are empty.
    static func claim(_ fields: [String: String]) throws -> ClaimInstructions? {
        // A textarea sends CRLF line breaks; the screen shows them as written.
        let text = fields["claim_text"].map { TextRules.trimmed($0.replacingOccurrences(of: "\r\n", with: "\n")) }
            .flatMap { (text: String) -> String? in text.isEmpty ? nil : text }
        let link = fields["claim_link"].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { (link: String) -> String? in link.isEmpty ? nil : link }
        let claim = try ClaimInstructions(text: text, link: link, passLifetime: try integer(fields, "pass_lifetime_s"))
        return claim.isEmpty ? nil : claim
    }

    /// The change the settings form asks of `event`: only the fields that differ
    /// from it, so the control log records what changed; `nil` when nothing did.
    static func patch(_ fields: [String: String], of event: Event) throws -> EventPatch? {
        let name = fields["name"].flatMap { $0 == event.name ? nil : $0 }
        let mode = try mode(fields).flatMap { $0 == event.mode ? nil : $0 }
        func changed(_ key: String, _ current: Int64?, _ read: ([String: String], String) throws -> Int64?) throws -> Int64?? {
            guard fields[key] != nil else { return nil }
            let value = try read(fields, key)
            return value == current ? nil : .some(value)
        }
        let admitPerTick = try changed("admit_per_tick", event.admitPerTick, integer)
        let presenceTimeout = try changed("presence_timeout_s", event.presenceTimeout, integer)
        let opensAt = try changed("opens_at", event.opensAt, time)
        let closesAt = try changed("closes_at", event.closesAt, time)
        // Empty means none (0), like the other optional numbers.
        let powBits = try changed("pow_bits", event.powBits, { try integer($0, $1) ?? 0 }).flatMap { $0 }
        // Sent only while the count can change (no entries yet).
        let prizes = try changed("prizes", event.prizes, integer).flatMap { $0 }
        var claim: ClaimInstructions?? = nil
        if fields["claim_text"] != nil || fields["claim_link"] != nil || fields["pass_lifetime_s"] != nil {
            let sent = try Self.claim(fields)
            if sent != event.claim { claim = .some(sent) }
        }
        guard name != nil || mode != nil || admitPerTick != nil || presenceTimeout != nil || opensAt != nil || closesAt != nil || powBits != nil
            || prizes != nil || claim != nil
        else {
            return nil
        }
        return try EventPatch(
            mode: mode, admitPerTick: admitPerTick, presenceTimeout: presenceTimeout, name: name, opensAt: opensAt, closesAt: closesAt,
            powBits: powBits, prizes: prizes, claim: claim)
    }

    /// The one-button controls: open or close intake, pause or resume admissions,
    /// archive (closing intake in the same change if it still takes entries) or bring back.
    static func control(_ action: String?, event: Event, now: Int64) throws -> EventPatch {
        switch action {
        case "open": try EventPatch(intake: .open)
        case "close": try EventPatch(intake: .closed)
        case "pause": try EventPatch(paused: true)
        case "resume": try EventPatch(paused: false)
        case "archive":
            try EventPatch(intake: event.isSoldOut || event.state(at: now) == .closed ? nil : .closed, archived: true)
        case "unarchive": try EventPatch(archived: false)
        default: throw FirstComeError.invalidRequest("'action' must be open, close, pause, resume, archive or unarchive")
        }
    }

    private static func mode(_ fields: [String: String]) throws -> EventMode? {
        guard let text = fields["mode"], !text.isEmpty else { return nil }
        guard let mode = EventMode(rawValue: text) else { throw FirstComeError.invalidRequest("'mode' must be queue or direct") }
        return mode
    }

    private static func integer(_ fields: [String: String], _ key: String) throws -> Int64? {
        guard let text = fields[key]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let value = Int64(text) else { throw FirstComeError.invalidRequest("field '\(key)' must be an integer") }
        return value
    }

    /// RFC 3339 as the API takes it; a time without a zone (as a browser's
    /// date-time field sends it) is read as UTC, as the form says.
    private static func time(_ fields: [String: String], _ key: String) throws -> Int64? {
        guard let text = fields[key]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        let hasZone = text.hasSuffix("Z") || text.hasSuffix("z") || text.dropFirst(10).contains("+") || text.dropFirst(10).contains("-")
        var candidates = [text]
        if !hasZone { candidates += [text + "Z", text + ":00Z"] }
        for candidate in candidates {
            if let ms = Timestamp.parse(candidate) { return ms }
        }
        throw FirstComeError.invalidRequest("'\(key)' must be an RFC 3339 time such as 2026-12-01T09:00:00Z")
    }
}
