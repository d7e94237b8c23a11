/// The award rule, the one place it is written: waiting entries are decided
/// strictly in seq order; the first ones win while prizes remain, then all lose.
/// With presence expiry on, an entry whose entrant is gone when its turn comes
/// expires instead, and the prize goes on to the next entry. Once the last prize
/// is given, every waiting entry is decided (lost) in the same step.
///
/// Each store applies a plan inside the transaction that holds the event.
public struct AwardPlan: Sendable, Equatable {
    /// The decided seqs, `first...last`.
    public var first: Int64
    public var last: Int64
    /// Runs of winning seqs, ascending.
    public var wins: [ClosedRange<Int64>] = []
    public var won: Int64 = 0
    /// Expired seqs, ascending.
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

    /// The seqs a step may decide: up to `limit` waiting ones (all without a
    /// limit); `nil` when nothing waits or the event is paused. Presence is
    /// looked up for these.
    public static func window(_ event: Event, limit: Int64?) -> ClosedRange<Int64>? {
        let waiting = event.waiting
        guard waiting > 0, !event.paused else { return nil }
        let first = event.serving + 1
        return first...(first + min(waiting, max(limit ?? waiting, 1)) - 1)
    }

    /// The decision of one step over `window`. `lastSeen` gives, for each seq of
    /// the window in order, its stored last-seen time (needed with `presence` only).
    public static func plan(
        _ event: Event, window: ClosedRange<Int64>, now: Int64, presence: PresenceCheck?, lastSeen: [(seq: Int64, seenAt: Int64)]
    ) -> AwardPlan {
        var plan = AwardPlan(first: window.lowerBound, last: window.upperBound)
        let remaining = event.remaining
        if let presence, remaining > 0 {
            for (seq, seenAt) in lastSeen {
                if plan.won == remaining { break }  // sold out: the rest lose
                let recent = presence.recent(seq)
                if recent.streaming || now - max(seenAt, recent.seenAt ?? seenAt) <= presence.timeout {
                    plan.won += 1
                    if let run = plan.wins.last, run.upperBound == seq - 1 {
                        plan.wins[plan.wins.count - 1] = run.lowerBound...seq
                    } else {
                        plan.wins.append(seq...seq)
                    }
                } else {
                    plan.expired.append(seq)
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

    /// The control-log record of this decision; `entryChain` is the chain link of `last`.
    public func record(decidedAt: Int64, entryChain: [UInt8]) -> String {
        AuditRecords.decision(firstSeq: first, lastSeq: last, won: won, expired: expired, decidedAt: decidedAt, entryChain: entryChain)
    }
}

extension ClosedRange<Int64> {
    var count64: Int64 { upperBound - lowerBound + 1 }
}
