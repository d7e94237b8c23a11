import Hummingbird

/// The public JSON form of an event. Absent times are explicit `null`s.
struct EventDTO: ResponseEncodable {
    let event: Event
    let now: Int64

    enum CodingKeys: String, CodingKey {
        case id, name, prizes, mode, state, entries, awarded, remaining, serving, waiting
        case admitPerTick = "admit_per_tick"
        case opensAt = "opens_at"
        case closesAt = "closes_at"
        case createdAt = "created_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event.id, forKey: .id)
        try container.encode(event.name, forKey: .name)
        try container.encode(event.prizes, forKey: .prizes)
        try container.encode(event.mode, forKey: .mode)
        try container.encode(event.state(at: now), forKey: .state)
        try container.encode(event.entries, forKey: .entries)
        try container.encode(event.awarded, forKey: .awarded)
        try container.encode(event.remaining, forKey: .remaining)
        try container.encode(event.serving, forKey: .serving)
        try container.encode(event.waiting, forKey: .waiting)
        try container.encode(event.admitPerTick, forKey: .admitPerTick)
        try container.encode(event.opensAt.map(Timestamp.format), forKey: .opensAt)
        try container.encode(event.closesAt.map(Timestamp.format), forKey: .closesAt)
        try container.encode(Timestamp.format(event.createdAt), forKey: .createdAt)
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
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        event = try NewEvent(
            id: container.decode(String.self, forKey: .id),
            name: container.decode(String.self, forKey: .name),
            prizes: container.decode(Int64.self, forKey: .prizes),
            mode: container.decodeIfPresent(EventMode.self, forKey: .mode) ?? .queue,
            admitPerTick: container.decodeIfPresent(Int64.self, forKey: .admitPerTick),
            opensAt: container.decodeTimestamp(forKey: .opensAt),
            closesAt: container.decodeTimestamp(forKey: .closesAt))
    }
}

/// Body of `PATCH /v1/events/{id}`.
struct PatchEventRequest: Decodable {
    let patch: EventPatch

    enum CodingKeys: String, CodingKey, CaseIterable {
        case mode, state
        case admitPerTick = "admit_per_tick"
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(allowed: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var admitPerTick: Int64?? = nil
        if container.contains(.admitPerTick) {
            admitPerTick = .some(try container.decodeIfPresent(Int64.self, forKey: .admitPerTick))
        }
        var intake: EventPatch.Intake?
        if let state = try container.decodeIfPresent(String.self, forKey: .state) {
            guard let value = EventPatch.Intake(rawValue: state) else {
                throw FirstComeError.invalidRequest("'state' must be \"open\" or \"closed\"")
            }
            intake = value
        }
        patch = try EventPatch(
            mode: container.decodeIfPresent(EventMode.self, forKey: .mode), intake: intake, admitPerTick: admitPerTick)
    }
}
