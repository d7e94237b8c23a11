import Synchronization

/// An in-memory copy of every event's counters and decision times, updated by the
/// store right after each commit and before any caller hears of it. Polls are
/// answered from it without touching the database: winners are always the seq
/// prefix `1...awarded`, so an entry's status follows from the counters alone.
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
    }

    /// Weight of the newest measurement in the admission-rate average.
    static let rateWeight = 0.3

    private let slots = Mutex<[Int64: Slot]>([:])
    /// Signalled after every update that decided entries.
    let decided = ChangeSignal()
    private let keys = Mutex<[String: Int64]>([:])

    init(events: [Event], decisions: [(eventKey: Int64, decision: Decision)], receipts: [Int64: [UInt8]]) {
        var table: [Int64: Slot] = [:]
        for event in events { table[event.key] = Slot(event: event, decisions: [], receipts: receipts[event.key] ?? []) }
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
    func update(_ event: Event, decision: Decision? = nil, receipts: [UInt8] = []) {
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
        }
        if decision != nil { decided.notify() }
    }

    /// The entry `seq` of event `eventKey` as an entrant sees it, or `nil` if there is none.
    func view(eventKey: Int64, seq: Int64, token: String) -> EntryView? {
        slots.withLock { table -> EntryView? in
            guard let slot = table[eventKey], seq >= 1, seq <= slot.event.entries else { return nil }
            let event = slot.event
            let status = event.status(ofSeq: seq)
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
    }
}
