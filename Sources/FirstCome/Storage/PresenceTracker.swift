/// When each waiting entrant of one event was last seen by this process, and
/// whether they hold a live stream. Presence costs no write per poll:
/// `take` hands the changes to a coarse periodic write.
struct PresenceTracker: Sendable {
    private struct Seen {
        var at: Int64 = 0
        /// The time last handed to `take`.
        var persisted: Int64 = 0
        var streams: Int32 = 0
    }

    private var seen: [Int64: Seen] = [:]

    var isEmpty: Bool { seen.isEmpty }

    mutating func poll(_ seq: Int64, at now: Int64) {
        seen[seq, default: Seen()].at = now
    }

    mutating func streaming(_ seq: Int64, open: Bool, at now: Int64) {
        var entry = seen[seq] ?? Seen()
        entry.at = max(entry.at, now)
        entry.streams += open ? 1 : -1
        seen[seq] = entry
    }

    func recent(_ seq: Int64) -> (seenAt: Int64?, streaming: Bool) {
        guard let entry = seen[seq] else { return (nil, false) }
        return (entry.at, entry.streams > 0)
    }

    /// Last-seen times that moved on by at least `granularity` ms since they were
    /// last taken (open streams count as seen `now`); forgets decided entries.
    mutating func take(now: Int64, granularity: Int64, decided: (Int64) -> Bool) -> [(seq: Int64, seenAt: Int64)] {
        var changes: [(seq: Int64, seenAt: Int64)] = []
        for (seq, var entry) in seen {
            if decided(seq) && entry.streams <= 0 {
                seen[seq] = nil
                continue
            }
            if entry.streams > 0 { entry.at = max(entry.at, now) }
            if entry.at - entry.persisted >= granularity {
                entry.persisted = entry.at
                changes.append((seq, entry.at))
            }
            seen[seq] = entry
        }
        return changes
    }
}
