import Foundation
import Testing

@testable import FirstCome

/// The storage contract, the same tests on SQLite and on PostgreSQL.
@Suite("Store contract on every backend")
struct BackendContractTests {
    let now: Int64 = 1_800_000_000_000

    func create(_ store: any EntryStore, _ id: String = "e", prizes: Int64, mode: EventMode = .queue, admitPerTick: Int64? = nil) async throws {
        _ = try await store.createEvent(try NewEvent(id: id, name: "Event \(id)", prizes: prizes, mode: mode, admitPerTick: admitPerTick), now: now)
    }

    func enter(_ committer: GroupCommitter, _ user: String, event: String = "e") async throws -> EntryView {
        switch try await committer.submit(Submission(event: event, user: user, payload: #"{"n":1}"#)) {
        case .created(let view), .existing(let view): return view
        case .rejected(let error): throw error
        }
    }

    func drain(_ store: any EntryStore, _ event: String = "e") async throws -> Event {
        let scheduler = AwardScheduler(store: store, clock: { self.now + 1000 })
        for _ in 0..<1000 {
            try await scheduler.tick()
            let state = try await store.event(id: event)
            if state.waiting == 0 { return state }
        }
        Issue.record("event did not drain")
        return try await store.event(id: event)
    }

    func verify(_ store: any EntryStore, _ event: String = "e") async throws -> AuditVerifier.Report {
        var verifier = AuditVerifier()
        try await AuditExport(store: store).write(eventID: event, includePayload: false) { try verifier.consume($0) }
        return try verifier.finish()
    }

    @Test("concurrent submissions get gapless seqs; a user racing with itself gets one entry", arguments: Backend.allCases)
    func gaplessAndIdempotent(backend: Backend) async throws {
        try await withBackend(backend) { store, _ in
            try await create(store, prizes: 10)
            try await GroupCommitter.running(store: store, maxBatch: 64) { committer in
                let views = try await withThrowingTaskGroup(of: EntryView.self) { group in
                    for index in 0..<600 { group.addTask { try await enter(committer, "u\(index)") } }
                    for _ in 0..<40 { group.addTask { try await enter(committer, "twin") } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let twins = views.filter { view in views.filter { $0.seq == view.seq }.count > 1 }
                #expect(Set(twins.map(\.seq)).count == 1, "every reply for the same user carries one seq")
                #expect(Set(views.map(\.seq)).sorted() == Array(1...601))
                let event = try await store.event(id: "e")
                #expect(event.entries == 601)
                let (_, entries) = try await store.auditEntries(event: "e", after: 0, limit: 1000)
                #expect(entries.map(\.seq) == Array(1...601))
                #expect(entries.map(\.createdAt) == entries.map(\.createdAt).sorted())
                #expect(try await verify(store).entries == 601)
            }
        }
    }

    @Test("the scheduler awards exactly the first N, never N+1; replies agree with the audit", arguments: Backend.allCases)
    func awards(backend: Backend) async throws {
        try await withBackend(backend) { store, _ in
            try await create(store, prizes: 7, admitPerTick: 3)
            try await GroupCommitter.running(store: store) { committer in
                var tokens: [String] = []
                // Names the chain must hash byte for byte: non-ASCII, quotes, backslashes, emoji,
                // a line separator (written raw, not escaped).
                let odd = ["민지", "José", #"a"b\c"#, "🎉 party", "sep\u{2028}name"]
                for index in 0..<20 { tokens.append(try await enter(committer, index < odd.count ? odd[index] : "p\(index)").token) }
                let event = try await drain(store)
                #expect(event.awarded == 7 && event.serving == 20)
                let winners = try await store.winners(event: "e", after: 0, limit: 100)
                #expect(winners.map(\.seq) == Array(1...7))
                for (index, token) in tokens.enumerated() {
                    let view = try await store.entry(token: token)
                    #expect(view.status == (index < 7 ? .won : .lost))
                    #expect(view.decidedAt != nil && view.receipt.count == 64)
                }
                let report = try await verify(store)
                #expect(report.winners == 7 && report.lost == 13)
            }
        }
    }

    @Test("direct mode decides at entry; a sold-out event records late entries, and they lose", arguments: Backend.allCases)
    func directAndSoldOut(backend: Backend) async throws {
        try await withBackend(backend) { store, _ in
            try await create(store, prizes: 2, mode: .direct)
            try await GroupCommitter.running(store: store) { committer in
                let first = try await enter(committer, "a")
                let second = try await enter(committer, "b")
                let third = try await enter(committer, "c")
                #expect(first.status == .won && second.status == .won && third.status == .lost)
                #expect(try await store.event(id: "e").state(at: now) == .soldOut)
                #expect(try await verify(store).winners == 2)

                try await create(store, "q", prizes: 1)
                _ = try await enter(committer, "a", event: "q")
                #expect(try await drain(store, "q").awarded == 1)
                let late = try await enter(committer, "late", event: "q")
                #expect(late.seq == 2 && late.status == .lost, "an entry to a sold-out event is decided in its own reply")
                #expect(try await store.entry(token: late.token).status == .lost)
                let report = try await verify(store, "q")
                #expect(report.winners == 1 && report.lost == 1 && report.waiting == 0)
            }
        }
    }

    @Test("a sold-out shuffle decides a late entry in its own reply, by place; the log verifies", arguments: Backend.allCases)
    func soldOutShuffle(backend: Backend) async throws {
        try await withBackend(backend) { store, _ in
            var new = try NewEvent(id: "s", name: "S", prizes: 1, opensAt: now + 10)
            new.order = .shuffle
            _ = try await store.createEvent(new, now: now)
            let scheduler = AwardScheduler(store: store, clock: { self.now + 20 })
            try await scheduler.tick()
            #expect(try await store.event(id: "s").draw != nil, "drawn at the opening")
            _ = try await store.submit([Submission(event: "s", user: "first", payload: nil)], now: now + 30)
            let drained = AwardScheduler(store: store, clock: { self.now + 40 })
            while try await store.event(id: "s").waiting > 0 { try await drained.tick() }
            let results = try await store.submit(
                [Submission(event: "s", user: "late-1", payload: nil), Submission(event: "s", user: "late-2", payload: nil)], now: now + 50)
            for result in results {
                guard case .created(let view) = result else { Issue.record("\(result)"); continue }
                #expect(view.status == .lost, "\(view.seq) in its own reply")
            }
            let log = try await store.controlLog(event: "s")
            #expect(log.last?.record.hasPrefix(#"{"type":"decision","first_place":2,"last_place":3,"won":0,"decided_at":"#) == true, "\(log.last?.record ?? "")")
            let report = try await verify(store, "s")
            #expect(report.winners == 1 && report.lost == 2)
        }
    }

    @Test("a paused event takes entries but decides nobody, in either mode, until it is resumed", arguments: Backend.allCases)
    func pause(backend: Backend) async throws {
        try await withBackend(backend) { store, _ in
            try await create(store, "q", prizes: 2)
            try await create(store, "d", prizes: 2, mode: .direct)
            for id in ["q", "d"] { _ = try await store.updateEvent(id: id, patch: try EventPatch(paused: true), now: now) }
            try await GroupCommitter.running(store: store) { committer in
                let queued = try await enter(committer, "a", event: "q")
                let direct = try await enter(committer, "a", event: "d")
                #expect(queued.status == .waiting && direct.status == .waiting)
                let scheduler = AwardScheduler(store: store, clock: { self.now + 1000 })
                _ = try await scheduler.tick()
                let q = try await store.event(id: "q")
                let d = try await store.event(id: "d")
                #expect(q.waiting == 1 && d.waiting == 1 && q.paused && d.paused)
                #expect(try await store.award(event: "q", limit: 10, now: now).decided == nil, "the rule itself decides nothing while paused")
                for id in ["q", "d"] { _ = try await store.updateEvent(id: id, patch: try EventPatch(paused: false), now: now) }
                #expect(try await drain(store, "q").awarded == 1)
                #expect(try await drain(store, "d").awarded == 1)
                #expect(try await verify(store, "q").winners == 1)
            }
        }
    }

    @Test("closed, scheduled and unknown events refuse entries and record nothing", arguments: Backend.allCases)
    func refusals(backend: Backend) async throws {
        try await withBackend(backend) { store, _ in
            _ = try await store.createEvent(try NewEvent(id: "later", name: "Later", prizes: 1, opensAt: now + 3_600_000), now: now)
            try await create(store, "shut", prizes: 1)
            _ = try await store.updateEvent(id: "shut", patch: try EventPatch(intake: .closed), now: now)
            let results = try await store.submit(
                [Submission(event: "later", user: "x", payload: nil), Submission(event: "shut", user: "y", payload: nil),
                 Submission(event: "nosuch", user: "z", payload: nil)], now: now + 1)
            #expect(results == [
                .rejected(.eventNotOpen(event: "later", state: .scheduled)), .rejected(.eventNotOpen(event: "shut", state: .closed)),
                .rejected(.eventNotFound("nosuch")),
            ])
            let later = try await store.event(id: "later")
            let shut = try await store.event(id: "shut")
            #expect(later.entries == 0 && shut.entries == 0)
            await #expect(throws: FirstComeError.eventExists("shut")) { try await create(store, "shut", prizes: 1) }
        }
    }

    @Test("admission keys live in the database: a second opening publishes the same JWKS", arguments: Backend.allCases)
    func admissionKeys(backend: Backend) async throws {
        try await withBackend(backend) { store, location in
            let keys = try await AdmissionKeys(store: store)
            let jwks = try await keys.jwks()
            let other = try await openTestNode(location)
            let again = try await AdmissionKeys(store: other.store).jwks()
            await other.close()
            #expect(again == jwks)
            let (kid, _) = try await AdmissionKeys.rotate(store: store, keepRetired: .seconds(60))
            #expect(try await store.admissionKeys().map(\.kid).last == kid)
            #expect(try await store.admissionKeys().count == 2)
        }
    }
}
