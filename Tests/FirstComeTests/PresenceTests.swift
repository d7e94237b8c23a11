import Foundation
import GRDB
import Testing

@testable import FirstCome

@Suite("Presence expiry and restart grace")
struct PresenceTests {
    static let start: Int64 = 1_800_000_000_000

    /// Creates event `p` (queue mode, presence timeout `timeout` s) and enters
    /// `count` users at the clock's current time; returns their tokens by seq.
    func setUp(_ store: SQLiteEntryStore, clock: TestClock, count: Int, prizes: Int64, timeout: Int64?, admit: Int64? = nil) async throws
        -> [String]
    {
        _ = try await store.createEvent(
            try NewEvent(id: "p", name: "P", prizes: prizes, admitPerTick: admit, presenceTimeout: timeout), now: clock.now)
        let results = try await store.submit((1...count).map { Submission(event: "p", user: "user-\($0)", payload: nil) }, now: clock.now)
        return results.map { result in
            guard case .created(let view) = result else { fatalError("entry not created: \(result)") }
            return view.token
        }
    }

    func statuses(_ store: SQLiteEntryStore, _ tokens: [String]) async throws -> [EntryStatus] {
        var out: [EntryStatus] = []
        for token in tokens { out.append(try await store.entry(token: token).status) }
        return out
    }

    func verify(_ pool: DatabasePool) async throws -> AuditVerifier.Report {
        var verifier = AuditVerifier()
        try await AuditExport(store: try SQLiteEntryStore(pool: pool)).write(eventID: "p", includePayload: false) { try verifier.consume($0) }
        return try verifier.finish()
    }

    @Test("absent entrants expire at their turn and the next present ones get the prizes")
    func absentEntrantsExpire() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let clock = TestClock(Self.start)
            let store = try SQLiteEntryStore(pool: pool, clock: { clock.now }, presenceGrace: 0)
            let tokens = try await setUp(store, clock: clock, count: 6, prizes: 2, timeout: 10)
            clock.advance(8_000)
            // Entrants 2 and 4 poll; 1, 3, 5 and 6 have gone.
            _ = try await store.entry(token: tokens[1])
            _ = try await store.entry(token: tokens[3])
            clock.advance(7_000)  // 15 s after entering, 7 s after the polls
            let scheduler = AwardScheduler(store: store, clock: { clock.now })
            let steps = try await scheduler.tick()
            #expect(steps.first?.expired == [1, 3])
            #expect(steps.first?.won == 2)
            let seen = try await statuses(store, [tokens[0], tokens[1], tokens[2], tokens[3], tokens[4], tokens[5]])
            #expect(seen == [.expired, .won, .expired, .won, .lost, .lost])
            let winners = try await store.winners(event: "p", after: 0, limit: 10).map(\.seq)
            #expect(winners == [2, 4])
            let event = try await store.event(id: "p")
            #expect(event.awarded == 2 && event.serving == 6)
            // The database says the same as memory, and the audit replays it.
            let (_, audit) = try await store.auditEntries(event: "p", after: 0, limit: 10)
            #expect(audit.map(\.status) == [.expired, .won, .expired, .won, .lost, .lost])
            let report = try await verify(pool)
            #expect(report.winners == 2 && report.expired == 2 && report.lost == 2)
            // An export claiming an expired entry merely lost does not verify.
            var lines: [String] = []
            try await AuditExport(store: try SQLiteEntryStore(pool: pool)).write(eventID: "p", includePayload: false) { lines.append($0) }
            var tampered = AuditVerifier()
            for line in lines {
                try tampered.consume(line.contains(#""seq":3,"#) ? line.replacingOccurrences(of: #""status":"expired""#, with: #""status":"lost""#) : line)
            }
            #expect(throws: AuditVerifier.Failure(seq: 3, message: "status is lost but the award rule gives expired")) { try tampered.finish() }
            let decision = try await pool.read { db in
                try String.fetchOne(db, sql: "SELECT record FROM control_log WHERE record LIKE '%\"decision\"%'")
            }
            #expect(decision?.contains(#""won":2,"expired":[1,3],"#) == true)
            // A reopened store (a restart) rebuilds the same statuses from the database.
            let reopened = try SQLiteEntryStore(pool: pool, clock: { clock.now })
            #expect(try await statuses(reopened, tokens) == seen)
        }
    }

    @Test("an open live stream counts as presence; expired entries do not use up admit_per_tick")
    func streamsCountAndQuota() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let clock = TestClock(Self.start)
            let store = try SQLiteEntryStore(pool: pool, clock: { clock.now }, presenceGrace: 0)
            let tokens = try await setUp(store, clock: clock, count: 5, prizes: 3, timeout: 5, admit: 1)
            let metrics = FirstComeMetrics()
            store.live.streaming(token: tokens[2], open: true)
            store.live.streaming(token: tokens[3], open: true)
            store.live.streaming(token: tokens[3], open: false)
            clock.advance(60_000)
            let scheduler = AwardScheduler(store: store, clock: { clock.now }, metrics: metrics)
            // Seqs 1 and 2 are gone, 3 holds a stream: one tick skips two and admits one.
            let steps = try await scheduler.tick()
            #expect(steps.flatMap(\.expired) == [1, 2])
            #expect(steps.map(\.won).reduce(0, +) == 1)
            #expect(try await statuses(store, Array(tokens.prefix(3))) == [.expired, .expired, .won])
            // Seq 4's stream closed 60 s ago, so it expires; seq 5 polled 3 s before its turn.
            _ = try await store.entry(token: tokens[4])
            clock.advance(3_000)
            let next = try await scheduler.tick()
            #expect(next.flatMap(\.expired) == [4])
            #expect(try await statuses(store, Array(tokens.suffix(2))) == [.expired, .won])
            #expect(try await verify(pool).expired == 3)
            #expect(metrics.render().contains(#"firstcome_expired_entries_total{event="p"} 3"#), "\(metrics.render())")
        }
    }

    @Test("without a timeout nobody expires, however long they are away")
    func offByDefault() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let clock = TestClock(Self.start)
            let store = try SQLiteEntryStore(pool: pool, clock: { clock.now }, presenceGrace: 0)
            let tokens = try await setUp(store, clock: clock, count: 3, prizes: 2, timeout: nil)
            clock.advance(86_400_000)
            try await AwardScheduler(store: store, clock: { clock.now }).tick()
            #expect(try await statuses(store, tokens) == [.won, .won, .lost])
        }
    }

    @Test("a restart never expires everyone: grace after the start, presence written coarsely survives")
    func restartGrace() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let clock = TestClock(Self.start)
            let first = try SQLiteEntryStore(pool: pool, clock: { clock.now }, presenceGrace: 0)
            let tokens = try await setUp(first, clock: clock, count: 4, prizes: 2, timeout: 60, admit: 1)
            clock.advance(90_000)
            _ = try await first.entry(token: tokens[2])  // seq 3 polls at +90 s ...
            try await first.persistPresence()  // ... and that is written down
            let stored = try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT seen_at FROM presence WHERE seq = 3") }
            #expect(stored == Self.start + 90_000)
            // Polls within the write granularity are not written again.
            clock.advance(1_000)
            _ = try await first.entry(token: tokens[2])
            #expect(first.board.takePresence(now: clock.now, granularity: PresenceLog.granularity).isEmpty)

            // The process dies at +95 s; a new one starts with a 30 s grace period.
            clock.advance(4_000)
            let second = try SQLiteEntryStore(pool: pool, clock: { clock.now }, presenceGrace: 30_000)
            let scheduler = AwardScheduler(store: second, clock: { clock.now })
            clock.advance(5_000)  // +100 s: everyone has been away over 60 s but the grace holds
            try await scheduler.tick()
            #expect(try await statuses(second, [tokens[0]]) == [.won])
            clock.advance(30_000)  // +130 s: grace over. Seq 2 was seen at entry only; seq 3 at +90 s (stored)
            try await scheduler.tick()
            #expect(try await statuses(second, tokens) == [.won, .expired, .won, .lost])
            #expect(try await verify(pool).winners == 2)
        }
    }

    @Test("expired seqs answer status and count lookups")
    func expiredSeqs() {
        var seqs = ExpiredSeqs([3, 7])
        seqs.merge([9])
        #expect(seqs.contains(7) && !seqs.contains(8))
        #expect(seqs.count(below: 1) == 0 && seqs.count(below: 8) == 2 && seqs.count(below: 100) == 3)
        var event = Event(
            key: 1, id: "e", name: "E", prizes: 3, mode: .queue, admitPerTick: nil, opensAt: nil, closesAt: nil, closedAt: nil,
            entries: 12, serving: 10, awarded: 3, createdAt: 0)
        let statuses = (1...12).map { event.status(ofPlace: Int64($0), expired: seqs) }
        #expect(statuses == [.won, .won, .expired, .won, .lost, .lost, .expired, .lost, .expired, .lost, .waiting, .waiting])
        event.serving = 0
        #expect(event.status(ofPlace: 3, expired: seqs) == .waiting)
    }
}
