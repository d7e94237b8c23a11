import Synchronization

/// Arrivals per minute of each event, from the entry counts the console reads
/// (page views and live streams): the difference between the newest reading and
/// the oldest one of the last minute. Honest about its gaps: without two
/// readings at least `minimumSpan` apart there is no figure.
final class ArrivalRates: Sendable {
    /// Readings older than this are dropped.
    static let window: Int64 = 60_000
    /// The shortest span a rate is given over.
    static let minimumSpan: Int64 = 5_000

    private let readings = Mutex<[String: [(time: Int64, entries: Int64)]]>([:])

    /// Records a reading of `event` and returns the rate it gives, if any.
    @discardableResult
    func record(event: String, entries: Int64, at now: Int64) -> Double? {
        readings.withLock { table in
            var list = table[event, default: []].filter { now - $0.time <= Self.window && $0.time <= now }
            // One reading per second is plenty: a minute is at most sixty.
            if let last = list.last, now - last.time < 1000 {
                list[list.count - 1].entries = max(last.entries, entries)
            } else {
                list.append((now, entries))
            }
            table[event] = list
            guard let first = list.first, let last = list.last, last.time - first.time >= Self.minimumSpan else { return nil }
            return Double(last.entries - first.entries) * 60_000 / Double(last.time - first.time)
        }
    }

    /// The rate as the console shows it: whole arrivals per minute, or why there is none
    /// (the event takes no entries now, or the page has not watched it long enough).
    static func text(_ rate: Double?, state: EventState, page: ConsolePage) -> String {
        if let rate { return String(Int(rate.rounded())) }
        switch state {
        case .open, .prequeue, .soldOut: return page.text("rate_measuring")
        case .closed, .scheduled: return page.text("rate_not_open")
        }
    }
}
