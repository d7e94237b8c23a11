/// The public outcome of an entry.
public enum EntryStatus: String, Codable, Sendable {
    case waiting
    case won
    case lost
    /// Skipped when its turn came because its entrant had left (presence expiry).
    case expired
}

/// One entrant's place in one event, as the entrant sees it.
public struct EntryView: Sendable, Equatable {
    public var event: String
    public var seq: Int64
    public var token: String
    public var status: EntryStatus
    /// Its place in line: the seq under fifo; `nil` until the draw gives one.
    public var place: Int64?
    /// Waiting entries ahead of it by place; `nil` while it has no place.
    public var position: Int64?
    /// Highest decided place of the event when this view was taken.
    public var serving: Int64
    public var decidedAt: Int64?
    /// The entry's audit chain link, hex: proof of its place in the log.
    public var receipt: String
    /// Seconds until this entry is likely decided, from the event's measured
    /// admission rate; `nil` while that rate is unknown.
    public var estimatedWait: Double?
    /// Prizes left and whether the event is paused, from the same reading as the
    /// rest, so an entrant's page agrees with itself.
    public var remaining: Int64 = 0
    public var paused = false

    public init(
        event: String, seq: Int64, token: String, status: EntryStatus, position: Int64?, serving: Int64, decidedAt: Int64?,
        receipt: String = "", place: Int64? = nil
    ) {
        self.place = place
        self.receipt = receipt
        self.event = event
        self.seq = seq
        self.token = token
        self.status = status
        self.position = position
        self.serving = serving
        self.decidedAt = decidedAt
    }
}

/// A row of the audit listing.
public struct AuditEntry: Sendable, Equatable {
    public var seq: Int64
    public var user: String
    public var status: EntryStatus
    public var createdAt: Int64
    public var decidedAt: Int64?
    /// The entrant's payload as compact JSON text, if any.
    public var payload: String?
    /// The entry's chain link.
    public var chain: [UInt8] = []
    /// Its place in line when the event has a drawn order (`nil` under fifo or before the draw).
    public var place: Int64?

    public init(seq: Int64, user: String, status: EntryStatus, createdAt: Int64, decidedAt: Int64?, payload: String?) {
        self.seq = seq
        self.user = user
        self.status = status
        self.createdAt = createdAt
        self.decidedAt = decidedAt
        self.payload = payload
    }
}

/// A winner, as listed by the winners endpoint and `firstcome winners`.
public struct Winner: Sendable, Equatable {
    public var seq: Int64
    public var user: String
    public var decidedAt: Int64
    /// What the entrant sent with the entry (compact JSON), e.g. where the prize goes.
    public var payload: String?
    /// Its place in line, for a drawn shuffle or lottery.
    public var place: Int64?

    public init(seq: Int64, user: String, decidedAt: Int64, payload: String? = nil) {
        self.seq = seq
        self.user = user
        self.decidedAt = decidedAt
        self.payload = payload
    }
}
