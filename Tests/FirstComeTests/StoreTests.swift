import Foundation
import GRDB
import Testing

@testable import FirstCome

@Suite("Store: seqs, duplicates and awards")
struct StoreTests {
    let now: Int64 = 1_800_000_000_000

    func createEvent(_ store: SQLiteEntryStore, _ id: String = "e", prizes: Int64, mode: EventMode = .queue, admitPerTick: Int64? = nil) async throws {
        _ = try await store.createEvent(try NewEvent(id: id, name: "Event \(id)", prizes: prizes, mode: mode, admitPerTick: admitPerTick), now: now)
    }

    func enter(_ committer: GroupCommitter, _ user: String, event: String = "e") async throws -> EntryView {
        switch try await committer.submit(Submission(event: event, user: user, payload: nil)) {
        case .created(let view), .existing(let view): return view
        case .rejected(let error): throw error
        }
    }

    /// Submits `count` distinct users concurrently through the group committer.
    func burst(_ committer: GroupCommitter, _ event: String = "e", count: Int, prefix: String = "u") async throws -> [EntryView] {
        try await withThrowingTaskGroup(of: EntryView.self) { group in
            for index in 0..<count { group.addTask { try await enter(committer, "\(prefix)\(index)", event: event) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    func drain(_ scheduler: AwardScheduler, _ store: SQLiteEntryStore, _ event: String = "e") async throws -> Event {
        for _ in 0..<10_000 {
            try await scheduler.tick()
            let state = try await store.event(id: event)
            if state.waiting == 0 { return state }
        }
        Issue.record("event did not drain")
        return try await store.event(id: event)
    }

    @Test("concurrent submissions get gapless, strictly increasing seqs")
    func gaplessSeqs() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try SQLiteEntryStore(pool: pool)
            try await createEvent(store, prizes: 10)
            try await GroupCommitter.running(store: store, maxBatch: 64) { committer in
                let views = try await burst(committer, count: 2000)
                #expect(views.map(\.seq).sorted() == Array(1...2000))
                #expect(Set(views.map(\.token)).count == 2000)
                let event = try await store.event(id: "e")
                #expect(event.entries == 2000)
                let stored = try await pool.read { db in try Int64.fetchAll(db, sql: "SELECT seq FROM entries ORDER BY seq") }
                #expect(stored == Array(1...2000))
                // Commit order is seq order: created_at never decreases along seq.
                let times = try await pool.read { db in try Int64.fetchAll(db, sql: "SELECT created_at FROM entries ORDER BY seq") }
                #expect(times == times.sorted())
            }
        }
    }

    @Test("the committer writes on a thread of its own while it runs; the thread ends with its service, after the queue")
    func commitThread() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try SQLiteEntryStore(pool: pool)
            try await createEvent(store, prizes: 10)
            let committer = GroupCommitter(store: store, maxBatch: 16)
            // Queued before the service runs: committed once it does.
            let early = Task { try await enter(committer, "early") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await committer.run() }
                let views = try await burst(committer, count: 200)
                #expect(views.map(\.seq).count == 200)
                #expect(try await early.value.seq >= 1)
                let thread = committer.threadID.load(ordering: .relaxed)
                #expect(thread != 0)
                let comm = try String(contentsOfFile: "/proc/self/task/\(thread)/comm", encoding: .utf8)
                #expect(comm.trimmingCharacters(in: .whitespacesAndNewlines) == CommitThread.name)
                // Queued with the close: committed before the service returns.
                let late = (0..<20).map { index in Task { try await enter(committer, "late\(index)") } }
                committer.close()
                try await group.waitForAll()
                var lateSeqs: [Int64] = []
                for task in late {
                    if let view = try? await task.value { lateSeqs.append(view.seq) }
                }
                let all = (try await store.event(id: "e")).entries
                #expect(all == 201 + Int64(lateSeqs.count), "every answered submission is stored, nothing more")
                #expect(committer.threadID.load(ordering: .relaxed) == 0)
                let gone = ContinuousClock.now + .seconds(10)
                while FileManager.default.fileExists(atPath: "/proc/self/task/\(thread)") && ContinuousClock.now < gone {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(!FileManager.default.fileExists(atPath: "/proc/self/task/\(thread)"), "the thread ended with its service")
                await #expect(throws: FirstComeError.self) { try await enter(committer, "after") }
            }
        }
    }

    @Test("the same user racing with itself gets one entry, same seq and token")
    func duplicateRace() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try SQLiteEntryStore(pool: pool)
            try await createEvent(store, prizes: 1)
            try await GroupCommitter.running(store: store) { committer in
                let results = try await withThrowingTaskGroup(of: SubmitResult.self) { group in
                    for _ in 0..<200 { group.addTask { try await committer.submit(Submission(event: "e", user: "same", payload: nil)) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let created = results.filter { if case .created = $0 { true } else { false } }
                #expect(created.count == 1)
                let views = results.compactMap { result -> EntryView? in
                    switch result {
                    case .created(let view), .existing(let view): view
                    case .rejected: nil
                    }
                }
                #expect(views.count == 200)
                #expect(Set(views.map(\.seq)) == [1])
                #expect(Set(views.map(\.token)).count == 1)
                #expect(try await store.event(id: "e").entries == 1)
            }
        }
    }

    @Test("exactly N winners, the first N seqs", arguments: [(Int64(1), 50), (Int64(100), 1000), (Int64(500), 120)])
    func exactlyN(prizes: Int64, entrants: Int) async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try SQLiteEntryStore(pool: pool)
            try await createEvent(store, prizes: prizes)
            try await GroupCommitter.running(store: store) { committer in
                _ = try await burst(committer, count: entrants)
                let scheduler = AwardScheduler(store: store, chunk: 37, clock: { now })
                let event = try await drain(scheduler, store)
                let expected = min(prizes, Int64(entrants))
                let winners = try await store.winners(event: "e", after: 0, limit: 100_000)
                #expect(winners.map(\.seq) == Array(1...expected))
                #expect(event.awarded == expected)
                #expect(event.serving == Int64(entrants))
                #expect(event.state(at: now) == (expected == prizes ? .soldOut : .open))
                let (_, audit) = try await store.auditEntries(event: "e", after: 0, limit: 100_000)
                #expect(audit.filter { $0.status == .won }.count == Int(expected))
                #expect(audit.filter { $0.status == .lost }.count == entrants - Int(expected))
                #expect(audit.allSatisfy { $0.decidedAt != nil })
            }
        }
    }

    @Test("a tick after sold out changes nothing; later entries lose at once")
    func afterSoldOut() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try SQLiteEntryStore(pool: pool)
            try await createEvent(store, prizes: 3)
            try await GroupCommitter.running(store: store) { committer in
                _ = try await burst(committer, count: 10)
                let scheduler = AwardScheduler(store: store, clock: { now })
                let before = try await drain(scheduler, store)
                #expect(before.isSoldOut)
                let snapshot = try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM entries ORDER BY seq") }
                let steps = try await scheduler.tick()
                #expect(steps.isEmpty)
                #expect(try await store.event(id: "e") == before)
                #expect(try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM entries ORDER BY seq") } == snapshot)
                let late = try await enter(committer, "late")
                #expect(late.seq == 11)
                #expect(late.status == .lost)
                #expect(late.decidedAt != nil)
                #expect(try await store.winners(event: "e", after: 0, limit: 100).map(\.seq) == [1, 2, 3])
            }
        }
    }

    @Test("the schema itself refuses an N+1th winner and changed decisions")
    func schemaEnforcesN() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try SQLiteEntryStore(pool: pool)
            try await createEvent(store, prizes: 2)
            try await GroupCommitter.running(store: store) { committer in
                _ = try await burst(committer, count: 5)
                #expect(throws: DatabaseError.self) {
                    try pool.write { db in try db.execute(sql: "UPDATE entries SET status = 'won' WHERE seq <= 3") }
                }
                _ = try await drain(AwardScheduler(store: store, clock: { now }), store)
                #expect(throws: DatabaseError.self) {
                    try pool.write { db in try db.execute(sql: "UPDATE entries SET status = 'won' WHERE seq = 4") }
                }
                #expect(throws: DatabaseError.self) {
                    try pool.write { db in try db.execute(sql: "UPDATE entries SET status = 'waiting' WHERE seq = 1") }
                }
                #expect(throws: DatabaseError.self) {
                    try pool.write { db in try db.execute(sql: "DELETE FROM entries WHERE seq = 5") }
                }
                #expect(try await store.winners(event: "e", after: 0, limit: 10).map(\.seq) == [1, 2])
            }
        }
    }

    @Test("admit_per_tick bounds each tick and keeps seq order")
    func admitPerTick() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try SQLiteEntryStore(pool: pool)
            try await createEvent(store, prizes: 5, admitPerTick: 2)
            try await GroupCommitter.running(store: store) { committer in
                _ = try await burst(committer, count: 9)
                let scheduler = AwardScheduler(store: store, clock: { now })
                try await scheduler.tick()
                var event = try await store.event(id: "e")
                #expect(event.serving == 2 && event.awarded == 2)
                try await scheduler.tick()
                try await scheduler.tick()
                event = try await store.event(id: "e")
                // The third tick awards the 5th prize, after which everything left is lost.
                #expect(event.awarded == 5 && event.serving == 9)
                #expect(try await store.winners(event: "e", after: 0, limit: 10).map(\.seq) == [1, 2, 3, 4, 5])
            }
        }
    }

    @Test("direct mode decides in the submit transaction")
    func directMode() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try SQLiteEntryStore(pool: pool)
            try await createEvent(store, prizes: 2, mode: .direct)
            try await GroupCommitter.running(store: store) { committer in
                let first = try await enter(committer, "a")
                let second = try await enter(committer, "b")
                let third = try await enter(committer, "c")
                #expect(first.status == .won && second.status == .won && third.status == .lost)
                #expect(first.decidedAt != nil && third.decidedAt != nil && third.position == 0)
                let again = try await enter(committer, "a")
                #expect(again.seq == first.seq && again.token == first.token && again.status == .won && again.decidedAt == first.decidedAt)
            }
        }
    }

    @Test("switching to direct decides the waiting entries first, in seq order")
    func switchToDirect() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try SQLiteEntryStore(pool: pool)
            try await createEvent(store, prizes: 3)
            try await GroupCommitter.running(store: store) { committer in
                for user in ["a", "b"] { _ = try await enter(committer, user) }
                _ = try await store.updateEvent(id: "e", patch: try EventPatch(mode: .direct), now: now)
                let third = try await enter(committer, "c")
                let fourth = try await enter(committer, "d")
                #expect(third.status == .won && fourth.status == .lost)
                #expect(try await store.winners(event: "e", after: 0, limit: 10).map(\.seq) == [1, 2, 3])
            }
        }
    }

    @Test("closing stops intake; waiting entries are still decided")
    func closing() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try SQLiteEntryStore(pool: pool)
            try await createEvent(store, prizes: 10)
            try await GroupCommitter.running(store: store) { committer in
                _ = try await burst(committer, count: 4)
                let closed = try await store.updateEvent(id: "e", patch: try EventPatch(intake: .closed), now: now)
                #expect(closed.state(at: now) == .closed)
                await #expect(throws: FirstComeError.eventNotOpen(event: "e", state: .closed)) {
                    _ = try await enter(committer, "late")
                }
                // A user already in line still gets their entry back.
                #expect(try await enter(committer, "u0").seq >= 1)
                let event = try await drain(AwardScheduler(store: store, clock: { now }), store)
                #expect(event.awarded == 4 && event.serving == 4)
                let reopened = try await store.updateEvent(id: "e", patch: try EventPatch(intake: .open), now: now)
                #expect(reopened.state(at: now) == .open)
            }
        }
    }

    @Test("closes_at and opens_at gate intake by time")
    func scheduledWindow() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try SQLiteEntryStore(pool: pool)
            let clock = TestClock(now)
            _ = try await store.createEvent(
                try NewEvent(id: "w", name: "Window", prizes: 1, opensAt: now + 1000, closesAt: now + 2000), now: now)
            try await GroupCommitter.running(store: store, clock: { clock.now }) { (committer: GroupCommitter) async throws -> Void in
                await #expect(throws: FirstComeError.eventNotOpen(event: "w", state: .scheduled)) {
                    _ = try await enter(committer, "early", event: "w")
                }
                clock.advance(1000)
                #expect(try await enter(committer, "ontime", event: "w").seq == 1)
                clock.advance(1000)
                await #expect(throws: FirstComeError.eventNotOpen(event: "w", state: .closed)) {
                    _ = try await enter(committer, "late", event: "w")
                }
            }
        }
    }

    @Test("after a restart the scheduler continues where the database says")
    func restartContinues() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        do {
            let pool = try FirstComeDatabase.open(path: database.path)
            let store = try SQLiteEntryStore(pool: pool)
            try await createEvent(store, prizes: 5, admitPerTick: 3)
            _ = try await GroupCommitter.running(store: store) { try await burst($0, count: 8) }
            try await AwardScheduler(store: store, clock: { now }).tick()
            #expect(try await store.event(id: "e").serving == 3)
            try pool.close()
        }
        let pool = try FirstComeDatabase.open(path: database.path)
        let store = try SQLiteEntryStore(pool: pool)
        try await GroupCommitter.running(store: store) { committer in
            #expect(try await enter(committer, "after-restart").seq == 9)
            let event = try await drain(AwardScheduler(store: store, clock: { now }), store)
            #expect(event.awarded == 5 && event.serving == 9)
            #expect(try await store.winners(event: "e", after: 0, limit: 10).map(\.seq) == [1, 2, 3, 4, 5])
            try pool.close()
        }
    }

    @Test("a huge backlog is decided in bounded steps while prizes are left, the rest with the last prize; a small event is not starved")
    func fairness() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let store = try SQLiteEntryStore(pool: pool)
            try await createEvent(store, "big", prizes: 1000)
            try await createEvent(store, "small", prizes: 1)
            try await GroupCommitter.running(store: store) { committer in
                _ = try await burst(committer, "big", count: 3000)
                _ = try await enter(committer, "s", event: "small")
                let steps = try await AwardScheduler(store: store, chunk: 250, clock: { now }).tick()
                let small = steps.firstIndex { $0.event == "small" }
                #expect(small == 1, "the small event is decided in the first round")
                #expect(steps.first?.decided?.count == 250, "one step decides at most one chunk")
                let big = steps.filter { $0.event == "big" }.map { $0.decided?.count ?? 0 }
                #expect(big == [250, 250, 250, 2250], "chunks while prizes are left; the step of the last prize decides the rest")
                #expect(try await store.event(id: "big").waiting == 0)
                var verifier = AuditVerifier()
                try await AuditExport(store: store).write(eventID: "big", includePayload: false) { try verifier.consume($0) }
                let report = try verifier.finish()
                #expect(report.winners == 1000 && report.lost == 2000)
            }
        }
    }
}

@Suite("Estimated wait")
struct EstimatedWaitTests {
    @Test("estimated_wait follows the measured admission rate; unknown before two decisions")
    func estimate() async throws {
        try await TemporaryDatabase.with { pool, _ in
            let clock = TestClock()
            let store = try SQLiteEntryStore(pool: pool)
            _ = try await store.createEvent(try NewEvent(id: "w", name: "W", prizes: 100, admitPerTick: 10), now: clock.now)
            let results = try await store.submit((1...100).map { Submission(event: "w", user: "u\($0)", payload: nil) }, now: clock.now)
            let tokens = results.compactMap { result -> String? in if case .created(let view) = result { view.token } else { nil } }
            let scheduler = AwardScheduler(store: store, clock: { clock.now })
            try await scheduler.tick()
            #expect(try await store.entry(token: tokens[59]).estimatedWait == nil, "one decision: no rate yet")
            for _ in 0..<3 {
                clock.advance(1000)
                try await scheduler.tick()
            }
            // 40 decided at 10 per second: seq 60 has 19 ahead, so it is 20 entries away = 2 s.
            let view = try await store.entry(token: tokens[59])
            #expect(view.position == 19 && view.estimatedWait == 2)
            #expect(try await store.entry(token: tokens[0]).estimatedWait == 0, "decided entries wait no more")
        }
    }
}
