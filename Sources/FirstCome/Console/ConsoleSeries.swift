/// The last minutes of an event as the live page's charts draw them, from what
/// the database keeps (`EventTimeline`): another device, or this one after a
/// reload, sees the rush it did not watch. The same fields as a live sample.
enum ConsoleSeries {
    /// How far back the charts go, in seconds (as the page keeps its own readings).
    static let window: Int64 = 300

    /// `[{"t","entries","waiting","awarded","remaining","expired","lost","arrivals"}, …]`,
    /// one a step ending at `t`, over the last `window` seconds before `now`.
    static func json(_ timeline: EventTimeline, prizes: Int64, now: Int64) -> String {
        let nowSeconds = now / 1000
        let first = [timeline.arrivals, timeline.decided, timeline.won, timeline.expired].compactMap { $0.first?.key }.min() ?? nowSeconds
        // Steps of a second, wider for a long event so the series stays within its bound.
        let step = max(1, (nowSeconds - first) / (EventStats.maxSteps - 1) + 1)
        guard let samples = try? EventStats.series(timeline, prizes: prizes, step: step, until: nowSeconds) else { return "[]" }
        var expired: Int64 = 0
        var lost: Int64 = 0
        var items: [String] = []
        for sample in samples {
            expired += sample.expired
            lost += sample.lost
            let end = sample.at + step * 1000
            guard end >= now - window * 1000, end <= now + step * 1000 else { continue }
            var object = JSONObject()
            object.integer("t", min(end, now))
            object.integer("entries", sample.entries)
            object.integer("waiting", sample.waiting)
            object.integer("awarded", prizes - sample.prizesLeft)
            object.integer("remaining", sample.prizesLeft)
            object.integer("expired", expired)
            object.integer("lost", lost)
            object.raw("arrivals", String(Double(sample.arrivals) / Double(step)))
            items.append(object.json)
        }
        return "[" + items.joined(separator: ",") + "]"
    }
}
