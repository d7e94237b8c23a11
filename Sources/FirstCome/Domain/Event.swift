/// How an event decides its entries.
public enum EventMode: String, Codable, Sendable, CaseIterable {
    /// Entries wait in line; the award scheduler decides them in place order each tick.
    case queue
    /// Queue switched off: each entry is decided in the transaction that records it.
    case direct
}

/// The lifecycle state of an event, derived from its times, counters and admin actions.
public enum EventState: String, Codable, Sendable {
    case scheduled
    /// Before `opens_at`, from `prequeue_at`: entries are taken and get a random place at opening.
    case prequeue
    case open
    case soldOut = "sold_out"
    case closed
}

/// A giveaway: N prizes for the first N entrants in place order (seq order under fifo).
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
    /// Highest decided place (the seq under fifo).
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
    /// How entries are ordered for the award rule (places); fixed at creation.
    public var order: EventOrder = .fifo
    /// When the pre-queue opens (before `opensAt`); `nil` without one.
    public var prequeueAt: Int64?
    /// The public randomness the draw waits for (a description named in advance), and its value once posted.
    public var beacon: String?
    public var beaconValue: String?
    /// Hex SHA-256 of the draw's secret, in the rules since creation (drawing orders only).
    public var seedCommitment: String?
    /// The draw, once made.
    public var draw: DrawMade?
    /// Left out of the event list (the id stays taken); only a closed or sold-out event is archived.
    public var archived = false
    /// What a winner's screen says about claiming, and the pass lifetime; `nil` when none is set.
    public var claim: ClaimInstructions?
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

    /// Whether a new entry is decided in the transaction that records it: direct
    /// mode, or an event already sold out (every new entry is lost). SQLite's
    /// submit follows it in Swift; on PostgreSQL `firstcome_submit` makes the
    /// sold-out step and the store's submit the direct one (BackendContractTests).
    public var decidesAtEntry: Bool { (mode == .direct || isSoldOut) && !paused }

    /// The state at time `now` (ms since 1970). Sold out wins over closed: the draw is over.
    public func state(at now: Int64) -> EventState {
        if isSoldOut { return .soldOut }
        if closedAt != nil { return .closed }
        if let closesAt, now >= closesAt { return .closed }
        if let opensAt, now < opensAt {
            if let prequeueAt, now >= prequeueAt { return .prequeue }
            return .scheduled
        }
        return .open
    }

    /// Whether a new entry is accepted at `now`. After sold out entries are still
    /// recorded (and lost at once), so late entrants get a clear answer and a number.
    public func acceptsEntries(at now: Int64) -> Bool {
        switch state(at: now) {
        case .open, .soldOut, .prequeue: return true
        case .scheduled, .closed: return false
        }
    }

    /// Whether entries still wait for the draw that gives their places.
    public var awaitsDraw: Bool { order.draws && draw == nil }

    /// Entries created before this time take part in the draw: `opens_at` for a
    /// shuffle, the close (`closes_at`, or an admin's earlier close) for a lottery.
    public var drawCutoff: Int64? {
        switch order {
        case .fifo: return nil
        case .shuffle: return opensAt
        case .lottery: return [closesAt, closedAt].compactMap { $0 }.min()
        }
    }

    /// Whether the draw can be made at `now`: its cutoff has passed and, with a beacon, its value was posted.
    public func drawDue(at now: Int64) -> Bool {
        guard awaitsDraw, let cutoff = drawCutoff, now >= cutoff else { return false }
        return beacon == nil || beaconValue != nil
    }

    /// The earliest `created_at` a new entry may carry: entries recorded after the
    /// draw are never dated before its cutoff, so the drawn ones stay exactly
    /// those created before it.
    public func entryTime(_ now: Int64) -> Int64 {
        guard let draw else { return now }
        return max(now, draw.cutoff)
    }

    /// The public status of the entry at `place` (its seq under fifo; `nil`
    /// before the draw gives it one): the one place this rule is written. Prizes
    /// go strictly in place order to entries that did not expire, so the winners
    /// are exactly the first `awarded` decided places that are not expired
    /// (`expired` holds places). Given `won` (the entry's stored win flag, as an
    /// audit reads it), a stored win is shown as stored, so an edited database
    /// shows its edit.
    public func status(ofPlace place: Int64?, expired: ExpiredSeqs = ExpiredSeqs(), won: Bool? = nil) -> EntryStatus {
        if won == true { return .won }
        guard let place, place <= serving else { return .waiting }
        if expired.contains(place) { return .expired }
        if won == false { return .lost }
        return place - expired.count(below: place) <= awarded ? .won : .lost
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
        // A draw, once made, stays made.
        if result.draw == nil { result.draw = other.draw ?? draw }
        if result.beaconValue == nil { result.beaconValue = other.beaconValue ?? beaconValue }
        result.serving = decisive ? max(serving, other.serving) : serving
        result.awarded = decisive ? max(awarded, other.awarded) : awarded
        return result
    }

    /// Waiting entries ahead of the entry at `place`; `nil` while it has no place.
    public func position(ofPlace place: Int64?) -> Int64? {
        guard let place else { return nil }
        return place <= serving ? 0 : place - serving - 1
    }
}

/// A draw as made: entries `1...drawn` (those created before `cutoff`) were
/// given random places at `drawnAt`.
public struct DrawMade: Sendable, Equatable {
    public var cutoff: Int64
    public var drawn: Int64
    public var drawnAt: Int64

    public init(cutoff: Int64, drawn: Int64, drawnAt: Int64) {
        self.cutoff = cutoff
        self.drawn = drawn
        self.drawnAt = drawnAt
    }
}
