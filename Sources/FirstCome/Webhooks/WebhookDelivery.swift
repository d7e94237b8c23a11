/// The kinds of webhook a delivery can be.
public enum WebhookType: String, Sendable, CaseIterable {
    case entryWon = "entry.won"
    case entryExpired = "entry.expired"
    case eventSoldOut = "event.sold_out"
    case eventClosed = "event.closed"
    case eventFinished = "event.finished"
}

/// One outbox row that is due: what happened, to whom, and where it goes.
public struct WebhookDelivery: Sendable, Equatable {
    /// The outbox row.
    public var id: Int64
    public var event: String
    public var type: WebhookType
    /// The entry's seq (entry types), 0 for event-wide ones.
    public var seq: Int64
    /// The entrant (entry types).
    public var user: String?
    /// When it happened (milliseconds).
    public var at: Int64
    /// Attempts made so far.
    public var attempts: Int
    public var target: WebhookTarget
    /// The event's prizes, and (for `event.finished`) how many entries expired.
    public var prizes: Int64 = 0
    public var expired: Int64 = 0
    /// The entry's place in line, for a drawn shuffle or lottery (entry types).
    public var linePlace: Int64?

    /// The id a receiver dedupes on: the same for every attempt and redelivery.
    public var stableID: String {
        seq > 0 ? "\(event):\(type.rawValue):\(seq)" : "\(event):\(type.rawValue)"
    }
}

/// What became of one attempt.
public enum WebhookAttempt: Sendable, Equatable {
    case delivered(at: Int64)
    /// Failed; try again at `retryAt`.
    case failed(error: String, retryAt: Int64)
    /// Failed for the last time: the give-up horizon has passed.
    case gaveUp(error: String, at: Int64)
}

/// An event's webhook as the operator sees it (never the secret).
public struct WebhookStatus: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var id: Int64
        public var type: WebhookType
        public var seq: Int64
        public var at: Int64
        public var attempts: Int
        public var deliveredAt: Int64?
        public var gaveUpAt: Int64?
        public var lastError: String?
        public var nextAt: Int64
    }

    public var url: String?
    public var pending: Int64
    public var delivered: Int64
    public var gaveUp: Int64
    /// The most recent rows, newest first.
    public var recent: [Row]
}
