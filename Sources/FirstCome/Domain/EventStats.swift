/// An event's course in fixed steps, and the figures of its report, computed
/// from an `EventTimeline` (pure, so both stores and every page agree).
public enum EventStats {
    /// One step of the series.
    public struct Sample: Sendable, Equatable {
        /// Start of the step (ms since 1970).
        public var at: Int64
        public var arrivals: Int64 = 0
        public var decided: Int64 = 0
        public var won: Int64 = 0
        public var expired: Int64 = 0
        /// Decided and neither won nor expired.
        public var lost: Int64 { decided - won - expired }
        /// Running totals at the end of the step.
        public var entries: Int64 = 0
        public var waiting: Int64 = 0
        public var prizesLeft: Int64 = 0
    }

    /// Most steps one series may have.
    public static let maxSteps: Int64 = 20_000

    /// The series in steps of `step` seconds from the event's first activity to
    /// `until` (unix seconds; the last activity when later). Throws when it would
    /// have more than `maxSteps` steps.
    public static func series(_ timeline: EventTimeline, prizes: Int64, step: Int64, until: Int64?) throws -> [Sample] {
        let keys = [timeline.arrivals, timeline.decided, timeline.won, timeline.expired].compactMap { $0.first?.key }
        guard let first = keys.min() else { return [] }
        let lastKeys = [timeline.arrivals, timeline.decided, timeline.won, timeline.expired].compactMap { $0.last?.key }
        let last = max(lastKeys.max() ?? first, until ?? first)
        let start = first - first % step
        let count = (last - start) / step + 1
        guard count <= maxSteps else {
            throw FirstComeError.invalidRequest(
                "the series would have \(count) steps; choose a 'step' of at least \((last - start) / maxSteps + 1) seconds")
        }
        var samples = (0..<count).map { Sample(at: (start + $0 * step) * 1000) }
        func add(_ counts: [EventTimeline.Count], _ field: WritableKeyPath<Sample, Int64>) {
            for item in counts { samples[Int((item.key - start) / step)][keyPath: field] += item.count }
        }
        add(timeline.arrivals, \.arrivals)
        add(timeline.decided, \.decided)
        add(timeline.won, \.won)
        add(timeline.expired, \.expired)
        var entries: Int64 = 0
        var decided: Int64 = 0
        var won: Int64 = 0
        for index in samples.indices {
            entries += samples[index].arrivals
            decided += samples[index].decided
            won += samples[index].won
            samples[index].entries = entries
            samples[index].waiting = entries - decided
            samples[index].prizesLeft = prizes - won
        }
        return samples
    }

    /// The figures of a report.
    public struct Report: Sendable, Equatable {
        public var entries: Int64 = 0
        public var decided: Int64 = 0
        public var won: Int64 = 0
        public var expired: Int64 = 0
        public var firstEntryAt: Int64?
        public var lastEntryAt: Int64?
        /// The second in which the last prize was given (ms), if it was.
        public var soldOutAt: Int64?
        /// From opening (or the first entry when the event had no opening time) to `soldOutAt`.
        public var timeToSellOut: Int64?
        public var peakPerSecond: Int64 = 0
        public var peakSecondAt: Int64?
        public var peakPerMinute: Int64 = 0
        public var peakMinuteAt: Int64?
        /// Time from entry to decision (ms): nearest-rank percentiles.
        public var waitP50: Int64?
        public var waitP90: Int64?
        public var waitP99: Int64?
        public var waitMax: Int64?
    }

    public static func report(_ timeline: EventTimeline, prizes: Int64, opensAt: Int64?) -> Report {
        var report = Report()
        report.entries = timeline.arrivals.reduce(0) { $0 + $1.count }
        report.decided = timeline.decided.reduce(0) { $0 + $1.count }
        report.won = timeline.won.reduce(0) { $0 + $1.count }
        report.expired = timeline.expired.reduce(0) { $0 + $1.count }
        report.firstEntryAt = timeline.arrivals.first.map { $0.key * 1000 }
        report.lastEntryAt = timeline.arrivals.last.map { $0.key * 1000 }
        var won: Int64 = 0
        for second in timeline.won {
            won += second.count
            if won >= prizes {
                report.soldOutAt = second.key * 1000
                break
            }
        }
        if let soldOut = report.soldOutAt, let start = opensAt ?? report.firstEntryAt { report.timeToSellOut = max(0, soldOut - start) }
        for second in timeline.arrivals where second.count > report.peakPerSecond {
            report.peakPerSecond = second.count
            report.peakSecondAt = second.key * 1000
        }
        var minutes: [Int64: Int64] = [:]
        for second in timeline.arrivals { minutes[second.key / 60, default: 0] += second.count }
        if let peak = minutes.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }) {
            report.peakPerMinute = peak.value
            report.peakMinuteAt = peak.key * 60_000
        }
        let total = timeline.waits.reduce(0) { $0 + $1.count }
        func percentile(_ p: Int64) -> Int64? {
            guard total > 0 else { return nil }
            let rank = max(1, (p * total + 99) / 100)
            var seen: Int64 = 0
            for bucket in timeline.waits {
                seen += bucket.count
                if seen >= rank { return bucket.key }
            }
            return timeline.waits.last?.key
        }
        report.waitP50 = percentile(50)
        report.waitP90 = percentile(90)
        report.waitP99 = percentile(99)
        report.waitMax = timeline.waits.last?.key
        return report
    }
}
