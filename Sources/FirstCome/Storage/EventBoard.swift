import Synchronization

/// An in-memory copy of every event's counters and decision times, updated by the
/// store right after each commit and before any caller hears of it. Polls are
/// answered from it without touching the database: winners are always the first
/// `awarded` decided seqs that did not expire, so an entry's status follows from
/// the counters and the (usually empty) list of expired seqs.
///
/// For events with presence expiry it also remembers when each waiting entrant
/// was last seen and which ones hold a live stream: presence costs no write per
/// poll; `takePresence` hands the changes to a coarse periodic write.
final class EventBoard: Sendable {
    struct Decision: Sendable {
        var lastSeq: Int64
        var decidedAt: Int64
    }

    private struct Slot {
        var event: Event
        /// Sorted by `lastSeq`; each covers the seqs after the previous one.
        var decisions: [Decision]
        /// Every entry's chain link (its receipt), 32 bytes per seq, seq 1 first.
        var receipts: [UInt8] = []
        /// Entries decided per second, a moving average over the decisions seen
        /// by this process; `nil` until two decisions have been measured.
        var rate: Double?
        var expired = ExpiredSeqs()
        /// Presence of waiting entrants, by seq (events with presence expiry only).
        var seen: [Int64: Seen] = [:]
    }

    private struct Seen {
        var at: Int64 = 0
        /// The time last handed to `takePresence`.
        var persisted: Int64 = 0
        var streams: Int32 = 0
    }

    /// Weight of the newest measurement in the admission-rate average.
    static let rateWeight = 0.3

    private let slots = Mutex<[Int64: Slot]>([:])
    /// Signalled after every update that decided entries.
    let decided = ChangeSignal()
    private let keys = Mutex<[String: Int64]>([:])

    init(
        events: [Event], decisions: [(eventKey: Int64, decision: Decision)], receipts: [Int64: [UInt8]],
        expired: [Int64: ExpiredSeqs] = [:]
    ) {
        var table: [Int64: Slot] = [:]
        for event in events {
            table[event.key] = Slot(event: event, decisions: [], receipts: receipts[event.key] ?? [], expired: expired[event.key] ?? ExpiredSeqs())
        }
        for (key, decision) in decisions { table[key]?.decisions.append(decision) }
        slots.withLock { $0 = table }
        keys.withLock { index in for event in events { index[event.id] = event.key } }
    }

    /// The stored copy of the event with this public id.
    func event(id: String) -> Event? {
        guard let key = keys.withLock({ $0[id] }) else { return nil }
        return slots.withLock { $0[key]?.event }
    }

    /// Replaces the stored copy of `event` (after a commit that changed it).
    func update(_ event: Event, decision: Decision? = nil, receipts: [UInt8] = [], expired: [Int64] = []) {
        keys.withLock { $0[event.id] = event.key }
        slots.withLock { table in
            // Mutate in place: a copy of the slot would copy its receipts on every commit.
            table[event.key, default: Slot(event: event, decisions: [])].event = event
            if let decision {
                if let previous = table[event.key]!.decisions.last, decision.decidedAt > previous.decidedAt {
                    let measured = Double(decision.lastSeq - previous.lastSeq) * 1000 / Double(decision.decidedAt - previous.decidedAt)
                    let rate = table[event.key]!.rate
                    table[event.key]!.rate = rate.map { Self.rateWeight * measured + (1 - Self.rateWeight) * $0 } ?? measured
                }
                table[event.key]!.decisions.append(decision)
            }
            if !receipts.isEmpty { table[event.key]!.receipts.append(contentsOf: receipts) }
            if !expired.isEmpty { table[event.key]!.expired.append(contentsOf: expired) }
        }
        if decision != nil { decided.notify() }
    }

    /// The entry `seq` of event `eventKey` as an entrant sees it, or `nil` if there
    /// is none. With `seenAt`, a waiting entry counts as present at that time.
    func view(eventKey: Int64, seq: Int64, token: String, seenAt: Int64? = nil) -> EntryView? {
        slots.withLock { table -> EntryView? in
            guard let view = Self.view(of: table[eventKey], seq: seq, token: token) else { return nil }
            // Outside `view(of:)`: no copy of the slot is alive, so this edits the table in place.
            if let seenAt, view.status == .waiting, table[eventKey]!.event.presenceTimeout != nil {
                table[eventKey]!.seen[seq, default: Seen()].at = seenAt
            }
            return view
        }
    }

    private static func view(of slot: Slot?, seq: Int64, token: String) -> EntryView? {
        guard let slot, seq >= 1, seq <= slot.event.entries else { return nil }
        let event = slot.event
        let status = event.status(ofSeq: seq, expired: slot.expired)
        var decidedAt: Int64?
        if status != .waiting {
            let decisions = slot.decisions
            var low = 0
            var high = decisions.count
            while low < high {
                let middle = (low + high) / 2
                if decisions[middle].lastSeq < seq { low = middle + 1 } else { high = middle }
            }
            decidedAt = low < decisions.count ? decisions[low].decidedAt : nil
        }
        let offset = Int(seq - 1) * 32
        let receipt = offset + 32 <= slot.receipts.count ? AuditRecords.hex(Array(slot.receipts[offset..<offset + 32])) : ""
        var view = EntryView(
            event: event.id, seq: seq, token: token, status: status, position: event.position(ofSeq: seq),
            serving: event.serving, decidedAt: decidedAt, receipt: receipt)
        if status != .waiting {
            view.estimatedWait = 0
        } else if let rate = slot.rate, rate > 0 {
            view.estimatedWait = (Double(view.position + 1) / rate).rounded(.up)
        }
        return view
    }

    /// A live stream for entry `seq` opened (`open`) or closed at `now`: while
    /// one is open the entrant counts as present.
    func streaming(eventKey: Int64, seq: Int64, open: Bool, now: Int64) {
        slots.withLock { table in
            guard table[eventKey]?.event.presenceTimeout != nil else { return }
            var seen = table[eventKey]!.seen[seq] ?? Seen()
            seen.at = max(seen.at, now)
            seen.streams += open ? 1 : -1
            table[eventKey]!.seen[seq] = seen
        }
    }

    /// What memory knows of entry `seq`'s presence.
    func presence(eventKey: Int64, seq: Int64) -> (seenAt: Int64?, streaming: Bool) {
        slots.withLock { table in
            guard let seen = table[eventKey]?.seen[seq] else { return (nil, false) }
            return (seen.at, seen.streams > 0)
        }
    }

    /// Presence times that moved on by at least `granularity` ms since they were
    /// last taken (open streams count as seen `now`); forgets decided entries.
    func takePresence(now: Int64, granularity: Int64) -> [(eventKey: Int64, seq: Int64, seenAt: Int64)] {
        slots.withLock { table in
            var changes: [(eventKey: Int64, seq: Int64, seenAt: Int64)] = []
            for key in Array(table.keys) where !table[key]!.seen.isEmpty {
                let serving = table[key]!.event.serving
                var seen = table[key]!.seen
                table[key]!.seen = [:]  // edit a unique copy, not one shared with the table
                for (seq, var entry) in seen {
                    if seq <= serving && entry.streams <= 0 {
                        seen[seq] = nil
                        continue
                    }
                    if entry.streams > 0 { entry.at = max(entry.at, now) }
                    if entry.at - entry.persisted >= granularity {
                        entry.persisted = entry.at
                        changes.append((key, seq, entry.at))
                    }
                    seen[seq] = entry
                }
                table[key]!.seen = seen
            }
            return changes
        }
    }
}
