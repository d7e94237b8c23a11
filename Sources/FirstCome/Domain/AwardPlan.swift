/// The award rule, the one place it is written: waiting entries are decided
/// strictly in place order (seq order under fifo; nothing before a draw); the first ones win while prizes remain, then all lose.
/// With presence expiry on, an entry whose entrant is gone when its turn comes
/// expires instead, and the prize goes on to the next entry. Once the last prize
/// is given, every waiting entry is decided (lost) in the same step.
///
/// Each store applies a plan inside the transaction that holds the event.
public struct AwardPlan: Sendable, Equatable {
    /// The decided places, `first...last` (seqs under fifo).
    public var first: Int64
    public var last: Int64
    /// Runs of winning places, ascending.
    public var wins: [ClosedRange<Int64>] = []
    public var won: Int64 = 0
    /// Expired places, ascending.
    public var expired: [Int64] = []

    /// Tells whether the entrant of a waiting entry is still there.
    public struct PresenceCheck: Sendable {
        /// Longest absence allowed, in milliseconds.
        public var timeout: Int64
        /// What memory knows of a seq: the last time it was seen, and whether a live stream is open.
        public var recent: @Sendable (Int64) -> (seenAt: Int64?, streaming: Bool)

        public init(timeout: Int64, recent: @escaping @Sendable (Int64) -> (seenAt: Int64?, streaming: Bool)) {
            self.timeout = timeout
            self.recent = recent
        }
    }

    /// The places a step may decide: up to `limit` waiting ones (all without a
    /// limit); `nil` when nothing waits, the event is paused or its draw is not
    /// made yet. Presence is looked up for these.
    public static func window(_ event: Event, limit: Int64?) -> ClosedRange<Int64>? {
        let waiting = event.waiting
        guard waiting > 0, !event.paused, !event.awaitsDraw else { return nil }
        let first = event.serving + 1
        return first...(first + min(waiting, max(limit ?? waiting, 1)) - 1)
    }

    /// What the database knows of the entry at a place: its seq and its stored last-seen time.
    public struct Seen: Sendable, Equatable {
        public var place: Int64
        public var seq: Int64
        public var seenAt: Int64

        public init(place: Int64, seq: Int64, seenAt: Int64) {
            self.place = place
            self.seq = seq
            self.seenAt = seenAt
        }
    }

    /// The decision of one step over `window`. `lastSeen` gives, for each place
    /// of the window in order, its entry (needed with `presence` only).
    public static func plan(
        _ event: Event, window: ClosedRange<Int64>, now: Int64, presence: PresenceCheck?, lastSeen: [Seen]
    ) -> AwardPlan {
        var plan = AwardPlan(first: window.lowerBound, last: window.upperBound)
        let remaining = event.remaining
        if let presence, remaining > 0 {
            for seen in lastSeen {
                if plan.won == remaining { break }  // sold out: the rest lose
                let place = seen.place
                let recent = presence.recent(seen.seq)
                if recent.streaming || now - max(seen.seenAt, recent.seenAt ?? seen.seenAt) <= presence.timeout {
                    plan.won += 1
                    if let run = plan.wins.last, run.upperBound == place - 1 {
                        plan.wins[plan.wins.count - 1] = run.lowerBound...place
                    } else {
                        plan.wins.append(place...place)
                    }
                } else {
                    plan.expired.append(place)
                }
            }
        } else {
            plan.won = min(window.count64, remaining)
            if plan.won > 0 { plan.wins = [window.lowerBound...(window.lowerBound + plan.won - 1)] }
        }
        if event.awarded + plan.won >= event.prizes { plan.last = event.entries }
        return plan
    }

    /// The event after this plan is applied (counters as the schema keeps them).
    public func applied(to event: Event) -> Event {
        var event = event
        event.awarded += won
        event.serving = last
        return event
    }

    /// The control-log record of this decision; `entryChain` is the chain link
    /// of seq `AwardPlan.chainSeq`. Decisions of a drawing order name places.
    public func record(decidedAt: Int64, entryChain: [UInt8], places: Bool) -> String {
        AuditRecords.decision(
            first: first, last: last, won: won, expired: expired, decidedAt: decidedAt, entryChain: entryChain, places: places)
    }

    /// When a decision of `event` is timed, whichever clock read `now`: never
    /// before the previous decision or the newest entry (`earlier`, as the
    /// database holds them), nor before the draw that ordered the entries.
    public static func decisionTime(_ now: Int64, event: Event, earlier: [Int64]) -> Int64 {
        max(now, event.draw?.drawnAt ?? now, earlier.max() ?? now)
    }

    /// The seq whose chain link a decision up to place `last` carries: every entry
    /// it decides is at or before it (the drawn seqs are `1...drawn`).
    public static func chainSeq(last: Int64, drawn: Int64) -> Int64 {
        max(last, drawn)
    }
}

extension ClosedRange<Int64> {
    var count64: Int64 { upperBound - lowerBound + 1 }
}
