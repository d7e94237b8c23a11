import Foundation
import Testing

@testable import FirstCome

/// Several nodes (stores) on one PostgreSQL database, in one process.
@Suite("PostgreSQL: several nodes share one event")
struct MultiNodeStoreTests {
    let now: Int64 = 1_800_000_000_000

    func enter(_ committer: GroupCommitter, _ user: String) async throws -> EntryView {
        switch try await committer.submit(Submission(event: "e", user: user, payload: nil)) {
        case .created(let view), .existing(let view): return view
        case .rejected(let error): throw error
        }
    }

    @Test("seqs stay gapless across nodes; a user racing on two nodes gets one entry; tokens poll on any node")
    func sharedEvent() async throws {
        try await TemporaryPostgres.with { database in
            let location = try database.location
            let a = try await openTestNode(location)
            let b = try await openTestNode(location)
            _ = try await a.store.createEvent(try NewEvent(id: "e", name: "E", prizes: 50), now: now)
            try await GroupCommitter.running(store: a.store, maxBatch: 32) { onA in
                try await GroupCommitter.running(store: b.store, maxBatch: 32) { onB in
                    let views = try await withThrowingTaskGroup(of: (String, EntryView).self) { group in
                        for index in 0..<400 {
                            group.addTask { ("u\(index)", try await enter(index % 2 == 0 ? onA : onB, "u\(index)")) }
                        }
                        for index in 0..<100 {
                            // The same users again, on the other node, racing the first submissions.
                            group.addTask { ("u\(index)", try await enter(index % 2 == 0 ? onB : onA, "u\(index)")) }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                    var seqOf: [String: Int64] = [:]
                    for (user, view) in views {
                        if let seen = seqOf[user] { #expect(seen == view.seq, "both replies of \(user) carry one seq") }
                        seqOf[user] = view.seq
                    }
                    #expect(Set(seqOf.values).sorted() == Array(1...400))
                    #expect(Set(views.map(\.1.token)).count == 400)

                    // Awards by whichever node holds the lease; polls agree on both nodes.
                    // A 1 s tick renews the lease for 5 s: B cannot take it between the two ticks.
                    let schedulerA = AwardScheduler(store: a.store, interval: .seconds(1))
                    let schedulerB = AwardScheduler(store: b.store, interval: .seconds(1))
                    let stepsA = try await schedulerA.tick()
                    let stepsB = try await schedulerB.tick()
                    #expect(!stepsA.isEmpty && stepsB.isEmpty, "one node holds the lease")
                    #expect(try await eventually {
                        let onA = try await a.store.liveEvent(id: "e")
                        let onB = try await b.store.liveEvent(id: "e")
                        return onA.serving == 400 && onB.serving == 400
                    })
                    for (user, view) in views.prefix(60) {
                        let onNodeA = try await a.store.entry(token: view.token)
                        let onNodeB = try await b.store.entry(token: view.token)
                        #expect(onNodeA.status == onNodeB.status && onNodeA.receipt == onNodeB.receipt)
                        #expect(onNodeA.status == (seqOf[user]! <= 50 ? .won : .lost))
                    }
                    #expect(try await a.store.winners(event: "e", after: 0, limit: 100).map(\.seq) == Array(1...50))
                    var verifier = AuditVerifier()
                    try await AuditExport(store: b.store).write(eventID: "e", includePayload: false) { try verifier.consume($0) }
                    #expect(try verifier.finish().winners == 50)
                    await a.close()
                    await b.close()
                }
            }
        }
    }

    @Test("an entry is decided in its own reply on a node that has not seen its event, or not seen it sell out")
    func decideAtEntryOnAnotherNode() async throws {
        try await TemporaryPostgres.with { database in
            let location = try database.location
            let a = try await openTestNode(location)
            let b = try await openTestNode(location)
            _ = try await a.store.createEvent(try NewEvent(id: "d", name: "D", prizes: 2, mode: .direct), now: now)
            _ = try await a.store.createEvent(try NewEvent(id: "q", name: "Q", prizes: 1), now: now)
            func one(_ store: any EntryStore, _ event: String, _ user: String) async throws -> EntryView {
                switch try await store.submit([Submission(event: event, user: user, payload: nil)], now: now + 1).first {
                case .created(let view)?: return view
                default: throw FirstComeError.internalError
                }
            }
            // B's board has not seen "d": it learns of it from the submit, then decides.
            #expect(try await one(b.store, "d", "b1").status == .won)
            // Now it has, and decides in the submit's transaction.
            #expect(try await one(b.store, "d", "b2").status == .won)
            #expect(try await one(b.store, "d", "b3").status == .lost)
            #expect(try await one(a.store, "d", "a1").status == .lost)

            // B sees "q" with its prize still open; A's scheduler then sells it out.
            #expect(try await one(b.store, "q", "first").status == .waiting)
            while try await a.store.event(id: "q").waiting > 0 { _ = try await AwardScheduler(store: a.store, interval: .seconds(1)).tick() }
            let late = try await one(b.store, "q", "late")
            #expect(late.status == .lost, "B learns of the sell-out from its own submit and decides the entry before answering")
            #expect(try await one(b.store, "q", "later").status == .lost)
            for event in ["d", "q"] {
                var verifier = AuditVerifier()
                try await AuditExport(store: a.store).write(eventID: event, includePayload: false) { try verifier.consume($0) }
                let report = try verifier.finish()
                #expect(report.waiting == 0 && report.winners == (event == "d" ? 2 : 1))
            }
            await a.close()
            await b.close()
        }
    }

    @Test("a draw made on one node reaches the other's board: places, positions and results agree")
    func drawOnOtherNode() async throws {
        try await TemporaryPostgres.with { database in
            let location = try database.location
            let a = try await openTestNode(location)
            let b = try await openTestNode(location)
            var new = try NewEvent(id: "e", name: "E", prizes: 4, closesAt: now + 10_000)
            new.order = .lottery
            _ = try await a.store.createEvent(new, now: now)
            let results = try await b.store.submit((0..<20).map { Submission(event: "e", user: "u\($0)", payload: nil) }, now: now + 1_000)
            let tokens = results.compactMap { result -> String? in
                if case .created(let view) = result { return view.token }
                return nil
            }
            #expect(tokens.count == 20)
            #expect(try await a.store.makeDueDraws(now: now + 11_000) == ["e"])
            #expect(try await eventually {
                for token in tokens where try await b.store.entry(token: token).place == nil { return false }
                return true
            })
            for token in tokens {
                let onA = try await a.store.entry(token: token), onB = try await b.store.entry(token: token)
                #expect(onA.place == onB.place && onA.position == onB.position)
            }
            #expect(try await a.store.holdSchedulerLease(for: .seconds(60)))
            _ = try await a.store.award(event: "e", limit: 100, now: now + 12_000)
            #expect(try await eventually {
                var won = 0
                for token in tokens {
                    let view = try await b.store.entry(token: token)
                    if view.status == .waiting { return false }
                    if view.status == .won { won += 1; if view.place! > 4 { return false } }
                }
                return won == 4
            })
            await a.close()
            await b.close()
        }
    }

    @Test("an entry made on one node is answered on another before its catch-up, never 404")
    func freshTokenOnOtherNode() async throws {
        try await TemporaryPostgres.with { database in
            let location = try database.location
            let a = try await openTestNode(location)
            let b = try await openTestNode(location, follow: false)
            _ = try await a.store.createEvent(try NewEvent(id: "e", name: "E", prizes: 1), now: now)
            let view = try await GroupCommitter.running(store: a.store) { try await enter($0, "x") }
            // b has not run its catch-up loop (its services are not running here).
            let seen = try await b.store.entry(token: view.token)
            #expect(seen.seq == view.seq && seen.status == .waiting && seen.receipt == view.receipt)
            await a.close()
            await b.close()
        }
    }

    @Test("when the lease holder stops renewing, another node takes over after the lease runs out")
    func leaseTakeover() async throws {
        try await TemporaryPostgres.with { database in
            let location = try database.location
            let a = try await openTestNode(location)
            let b = try await openTestNode(location)
            #expect(try await a.store.holdSchedulerLease(for: .seconds(3)))
            #expect(try await b.store.holdSchedulerLease(for: .seconds(3)) == false)
            #expect(try await a.store.holdSchedulerLease(for: .seconds(3)), "the holder renews")
            // B takes the lease once A's runs out (database time).
            #expect(try await eventually(timeout: .seconds(10)) { try await b.store.holdSchedulerLease(for: .seconds(60)) })
            // The old holder is fenced: its award decides nothing.
            _ = try await a.store.createEvent(try NewEvent(id: "e", name: "E", prizes: 1), now: now)
            _ = try await GroupCommitter.running(store: a.store) { try await enter($0, "x") }
            let step = try await a.store.award(event: "e", limit: 10, now: now)
            #expect(step.decided == nil)
            #expect(try await b.store.award(event: "e", limit: 10, now: now).won == 1)
            await a.close()
            await b.close()
        }
    }

    @Test("the schema refuses an N+1-th winner, a changed decision, deleted entries or events, an entry of no event")
    func schemaGuards() async throws {
        try await TemporaryPostgres.with { database in
            let node = try await openTestNode(try database.location)
            _ = try await node.store.createEvent(try NewEvent(id: "e", name: "E", prizes: 1), now: now)
            try await GroupCommitter.running(store: node.store) { committer in
                for user in ["a", "b", "c"] { _ = try await enter(committer, user) }
                _ = try await node.store.award(event: "e", limit: 1, now: now)  // not the lease holder: nothing
                #expect(try await node.store.holdSchedulerLease(for: .seconds(60)))
                #expect(try await node.store.award(event: "e", limit: 1, now: now).won == 1)
                for sql in [
                    "UPDATE entries SET status = 'won' WHERE seq = 3",
                    "UPDATE entries SET status = 'waiting' WHERE seq = 1",
                    "DELETE FROM entries WHERE seq = 3",
                    "UPDATE events SET entries = 1",
                    "UPDATE control_log SET record = '{}'",
                    "INSERT INTO entries (event_key, seq, \"user\", created_at, chain) SELECT max(key) + 1, 1, 'z', 1, '\\x00' FROM events",
                    "UPDATE events SET key = key + 100",
                    "DELETE FROM events",
                    "TRUNCATE events CASCADE",
                ] {
                    #expect(throws: (any Error).self, "\(sql)") { try TemporaryPostgres.psql(database.url, sql) }
                }
                await node.close()
            }
        }
    }
}
