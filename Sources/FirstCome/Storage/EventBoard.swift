import Synchronization

/// An in-memory copy of every event's counters, decision times, expired seqs and
/// receipts, so polls are answered without touching the database. Winners are
/// always the first `awarded` decided seqs that did not expire, so an entry's
/// status follows from the counters and the (usually empty) expired list.
///
/// Every change merges monotonically: the event copy with the highest version
/// wins (counters never go back), decision steps and expirations are kept
/// sorted, receipts are filled by seq. So updates may arrive in any order (tasks
/// resuming after their commits, another node's commits learnt later) and the
/// board still ends at the committed state; it is rebuilt from the database alone.
public final class EventBoard: Sendable {
    typealias Decision = DecisionTimes.Step

    private struct Slot {
        var event: Event
        var decisions = DecisionTimes()
        var receipts = Receipts()
        var expired = ExpiredSeqs()
        /// Presence of waiting entrants (events with presence expiry only).
        var presence = PresenceTracker()
        /// Each entry's place in line (seqs under fifo; drawn ones after a draw).
        var places: Places

        init(event: Event, receipts: Receipts = Receipts(), expired: ExpiredSeqs = ExpiredSeqs(), places: Places? = nil) {
            self.event = event
            self.receipts = receipts
            self.expired = expired
            self.places = places ?? Places(order: event.order)
        }
    }

    private let slots = Mutex<[Int64: Slot]>([:])
    /// Signalled after every update that decided entries.
    let decided = ChangeSignal()
    private let keys = Mutex<[String: Int64]>([:])

    init(
        events: [Event], decisions: [(eventKey: Int64, decision: Decision)] = [], receipts: [Int64: [UInt8]] = [:],
        expired: [Int64: ExpiredSeqs] = [:], places: [Int64: Places] = [:]
    ) {
        var table: [Int64: Slot] = [:]
        for event in events {
            table[event.key] = Slot(
                event: event, receipts: Receipts(contiguous: receipts[event.key] ?? []), expired: expired[event.key] ?? ExpiredSeqs(),
                places: places[event.key])
        }
        for (key, decision) in decisions { table[key]?.decisions.add(decision) }
        slots.withLock { $0 = table }
        keys.withLock { index in for event in events { index[event.id] = event.key } }
    }

    /// The stored copy of the event with this public id.
    func event(id: String) -> Event? {
        guard let key = keys.withLock({ $0[id] }) else { return nil }
        return slots.withLock { $0[key]?.event }
    }

    /// The stored copy of the event with this storage key.
    func event(key: Int64) -> Event? {
        slots.withLock { $0[key]?.event }
    }

    /// What the board holds of an event, for catching up with the database.
    func known(eventKey: Int64) -> (version: Int64, decidedTo: Int64, expiredTo: Int64, receiptsTo: Int64, placesKnown: Bool)? {
        slots.withLock { table in
            table[eventKey].map { ($0.event.version, $0.decisions.lastSeq, $0.expired.last, $0.receipts.known, $0.places.known) }
        }
    }

    /// Merges a committed copy of `event` and what that commit (or a read of the
    /// database) says about decisions, receipts (`receipts` holds the links of
    /// `receiptsFrom`, `receiptsFrom + 1`, …), expired places and, with a draw,
    /// the places it gave. Only a `decisive` copy moves the decided counters on
    /// (see `Event.merged`).
    func update(
        _ event: Event, decisive: Bool = true, decisions: [Decision] = [], receipts: [UInt8] = [], receiptsFrom: Int64 = 0,
        expired: [Int64] = [], places: Places? = nil
    ) {
        keys.withLock { $0[event.id] = event.key }
        let newDecision = slots.withLock { table -> Bool in
            // Mutate in place: a copy of the slot would copy its receipts on every commit.
            if table[event.key] == nil {
                table[event.key] = Slot(event: event)
            } else {
                table[event.key]!.event = table[event.key]!.event.merged(with: event, decisive: decisive)
            }
            var added = false
            for decision in decisions where table[event.key]!.decisions.add(decision) { added = true }
            if !receipts.isEmpty { table[event.key]!.receipts.fill(from: receiptsFrom, receipts) }
            if !expired.isEmpty { table[event.key]!.expired.merge(expired) }
            // Places are known once, from the draw: never taken back. Live streams
            // wake for it as for a decision (each entry learns its place).
            if let places, places.known, !table[event.key]!.places.known {
                table[event.key]!.places = places
                added = true
            }
            return added
        }
        if newDecision { decided.notify() }
    }

    /// Merges what a submit batch did to an event it knows: `entries` and their
    /// `head` after the batch, the version the batch made, and new receipts.
    /// Returns `false` when the board does not know the event yet.
    func advance(eventKey: Int64, entries: Int64, head: [UInt8], version: Int64, receipts: [UInt8], receiptsFrom: Int64) -> Bool {
        slots.withLock { table in
            guard table[eventKey] != nil else { return false }
            if entries > table[eventKey]!.event.entries {
                table[eventKey]!.event.entries = entries
                table[eventKey]!.event.head = head
            }
            // The batch changed only the entries: the version moves on when this
            // copy held the state just before it.
            if version == table[eventKey]!.event.version + 1 { table[eventKey]!.event.version = version }
            if !receipts.isEmpty { table[eventKey]!.receipts.fill(from: receiptsFrom, receipts) }
            return true
        }
    }

    /// The entry `seq` of event `eventKey` as an entrant sees it, or `nil` if the
    /// board does not know it. With `seenAt`, a waiting entry counts as present then.
    /// Only the figures are read under the lock; the texts are made after it.
    func view(eventKey: Int64, seq: Int64, token: String, seenAt: Int64? = nil) -> EntryView? {
        let found = slots.withLock { table -> (EntryView, SIMD32<UInt8>?)? in
            // In place: a copy of the slot would retain and release each of its arrays.
            guard table[eventKey] != nil, let found = Self.view(of: &table[eventKey]!, seq: seq, token: token) else { return nil }
            // Outside `view(of:)`: no copy of the slot is alive, so this edits the table in place.
            if let seenAt, found.0.status == .waiting, table[eventKey]!.event.presenceTimeout != nil {
                table[eventKey]!.presence.poll(seq, at: seenAt)
            }
            return found
        }
        guard let (entry, link) = found else { return nil }
        var view = entry
        view.receipt = link.map(Receipts.hex) ?? ""
        return view
    }

    private static func view(of slot: inout Slot, seq: Int64, token: String) -> (EntryView, SIMD32<UInt8>?)? {
        guard seq >= 1, seq <= slot.event.entries else { return nil }
        let place = slot.places.place(ofSeq: seq)
        let status = slot.event.status(ofPlace: place, expired: slot.expired)
        var view = EntryView(
            event: slot.event.id, seq: seq, token: token, status: status, position: slot.event.position(ofPlace: place),
            serving: slot.event.serving, decidedAt: status == .waiting ? nil : place.flatMap { slot.decisions.decidedAt($0) },
            place: place)
        view.remaining = slot.event.remaining
        view.paused = slot.event.paused
        if status != .waiting {
            view.estimatedWait = 0
        } else if let position = view.position, let rate = slot.decisions.rate, rate > 0 {
            // Decided at its turn or with the last prize, whichever comes first.
            view.estimatedWait = (Double(max(min(position + 1, slot.event.remaining), 0)) / rate).rounded(.up)
        }
        return (view, slot.receipts.link(of: seq))
    }

    /// A live stream for entry `seq` opened (`open`) or closed at `now`: while
    /// one is open the entrant counts as present.
    func streaming(eventKey: Int64, seq: Int64, open: Bool, now: Int64) {
        slots.withLock { table in
            guard table[eventKey]?.event.presenceTimeout != nil else { return }
            table[eventKey]!.presence.streaming(seq, open: open, at: now)
        }
    }

    /// How a decision tells who is present: only for queue events with a
    /// presence timeout, and only once `graceEnds` (after a start) has passed.
    /// Presence seen on other nodes reaches the decision through the database.
    func presenceCheck(for event: Event, now: Int64, graceEnds: Int64) -> AwardPlan.PresenceCheck? {
        guard let timeout = event.presenceTimeout, event.mode == .queue, now >= graceEnds else { return nil }
        let key = event.key
        return AwardPlan.PresenceCheck(timeout: timeout * 1000) { [self] seq in presence(eventKey: key, seq: seq) }
    }

    /// What memory knows of entry `seq`'s presence.
    func presence(eventKey: Int64, seq: Int64) -> (seenAt: Int64?, streaming: Bool) {
        slots.withLock { $0[eventKey]?.presence.recent(seq) ?? (nil, false) }
    }

    /// How many entries of event `eventKey` expired (presence expiry).
    func expiredCount(eventKey: Int64) -> Int64 {
        slots.withLock { Int64($0[eventKey]?.expired.seqs.count ?? 0) }
    }

    /// Presence times that moved on by at least `granularity` ms since they were
    /// last taken (open streams count as seen `now`); forgets decided entries.
    func takePresence(now: Int64, granularity: Int64) -> [(eventKey: Int64, seq: Int64, seenAt: Int64)] {
        slots.withLock { table in
            var changes: [(eventKey: Int64, seq: Int64, seenAt: Int64)] = []
            for key in Array(table.keys) where !table[key]!.presence.isEmpty {
                let serving = table[key]!.event.serving
                let places = table[key]!.places
                let decided: (Int64) -> Bool = { seq in places.place(ofSeq: seq).map { $0 <= serving } ?? false }
                for change in table[key]!.presence.take(now: now, granularity: granularity, decided: decided) {
                    changes.append((key, change.seq, change.seenAt))
                }
            }
            return changes
        }
    }
}
