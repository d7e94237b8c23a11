/// How an event decides its entries.
public enum EventMode: String, Codable, Sendable, CaseIterable {
    /// Entries wait in line; the award scheduler decides them in seq order each tick.
    case queue
    /// Queue switched off: each entry is decided in the transaction that records it.
    case direct
}

/// The lifecycle state of an event, derived from its times, counters and admin actions.
public enum EventState: String, Codable, Sendable {
    case scheduled
    case open
    case soldOut = "sold_out"
    case closed
}

/// A giveaway: N prizes for the first N entrants, in seq order.
public struct Event: Sendable, Equatable {
    /// Internal storage key; the public identifier is `id`.
    public var key: Int64
    public var id: String
    public var name: String
    public var prizes: Int64
    public var mode: EventMode
    /// Most entries the scheduler decides per tick; `nil` means no limit.
    public var admitPerTick: Int64?
    public var opensAt: Int64?
    public var closesAt: Int64?
    /// When an admin closed intake, if they did.
    public var closedAt: Int64?
    /// Highest seq handed out (= number of entries, since seqs are gapless).
    public var entries: Int64
    /// Highest decided seq.
    public var serving: Int64
    public var awarded: Int64
    public var createdAt: Int64
    /// If set, entrants must prove their identity with a signed token.
    public var identity: IdentityRule?
    /// If set, a waiting entry whose entrant has not been seen (submit, poll or
    /// open live stream) for this many seconds is expired when its turn comes.
    public var presenceTimeout: Int64?
    /// While set, nobody is decided (intake is unchanged).
    public var paused = false
    /// Leading zero bits a submission's proof-of-work must have; 0 = none asked.
    public var powBits: Int64 = 0
    /// Audit chain: its start (from the id and award rules), the link of the
    /// highest seq, and the last link of the control log.
    /// The canonical award rules the genesis was made from.
    public var rules: String = ""
    public var genesis: [UInt8] = []
    public var head: [UInt8] = []
    public var controlHead: [UInt8] = []
    /// The order of this copy among the event's committed states: every commit
    /// that changes the event raises it, so copies that arrive out of order
    /// (other tasks, other nodes) can keep the newest.
    public var version: Int64 = 0

    public init(
        key: Int64, id: String, name: String, prizes: Int64, mode: EventMode, admitPerTick: Int64?,
        opensAt: Int64?, closesAt: Int64?, closedAt: Int64?, entries: Int64, serving: Int64,
        awarded: Int64, createdAt: Int64, identity: IdentityRule? = nil, presenceTimeout: Int64? = nil
    ) {
        self.identity = identity
        self.presenceTimeout = presenceTimeout
        self.key = key
        self.id = id
        self.name = name
        self.prizes = prizes
        self.mode = mode
        self.admitPerTick = admitPerTick
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.closedAt = closedAt
        self.entries = entries
        self.serving = serving
        self.awarded = awarded
        self.createdAt = createdAt
    }

    public var remaining: Int64 { prizes - awarded }
    public var waiting: Int64 { entries - serving }
    public var isSoldOut: Bool { awarded >= prizes }

    /// The state at time `now` (ms since 1970). Sold out wins over closed: the draw is over.
    public func state(at now: Int64) -> EventState {
        if isSoldOut { return .soldOut }
        if closedAt != nil { return .closed }
        if let closesAt, now >= closesAt { return .closed }
        if let opensAt, now < opensAt { return .scheduled }
        return .open
    }

    /// Whether a new entry is accepted at `now`. After sold out entries are still
    /// recorded (and lost at once), so late entrants get a clear answer and a number.
    public func acceptsEntries(at now: Int64) -> Bool {
        switch state(at: now) {
        case .open, .soldOut: return true
        case .scheduled, .closed: return false
        }
    }

    /// The public status of the entry with `seq`: the one place this rule is
    /// written. Prizes go strictly in seq order to entries that did not expire, so
    /// the winners are exactly the first `awarded` decided seqs that are not
    /// expired. Given `won` (the entry's stored win flag, as an audit reads it), a
    /// stored win is shown as stored, so an edited database shows its edit.
    public func status(ofSeq seq: Int64, expired: ExpiredSeqs = ExpiredSeqs(), won: Bool? = nil) -> EntryStatus {
        if won == true { return .won }
        guard seq <= serving else { return .waiting }
        if expired.contains(seq) { return .expired }
        if won == false { return .lost }
        return seq - expired.count(below: seq) <= awarded ? .won : .lost
    }

    /// Merges another copy of this event: the fields of the newer version, and
    /// counters (with the head that goes with `entries`) that never go back.
    /// `decisive` copies may move `serving` and `awarded` on: they come with
    /// everything decided up to their `serving` (its expired seqs above all).
    public func merged(with other: Event, decisive: Bool = true) -> Event {
        var result = other.version > version ? other : self
        if other.entries > entries || (other.entries == entries && other.version > version) {
            result.entries = other.entries
            result.head = other.head
        } else {
            result.entries = entries
            result.head = head
        }
        result.serving = decisive ? max(serving, other.serving) : serving
        result.awarded = decisive ? max(awarded, other.awarded) : awarded
        return result
    }

    /// Waiting entries ahead of `seq`.
    public func position(ofSeq seq: Int64) -> Int64 {
        seq <= serving ? 0 : seq - serving - 1
    }
}
