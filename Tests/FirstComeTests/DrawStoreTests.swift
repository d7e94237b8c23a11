import Foundation
import Testing

@testable import FirstCome

/// Shuffle and lottery draws through the store, on every backend, with the
/// store's clock given explicitly (times are arguments), so each step happens
/// exactly where the test puts it.
@Suite("Draws on every backend")
struct DrawStoreTests {
    let t0: Int64 = 1_800_000_000_000

    func enter(_ store: any EntryStore, _ users: [String], event: String, at now: Int64) async throws -> [EntryView] {
        try await store.submit(users.map { Submission(event: event, user: $0, payload: nil) }, now: now).map { result in
            switch result {
            case .created(let view), .existing(let view): return view
            case .rejected(let error): throw error
            }
        }
    }

    func verify(_ store: any EntryStore, _ event: String) async throws -> AuditVerifier.Report {
        var verifier = AuditVerifier()
        try await AuditExport(store: store).write(eventID: event, includePayload: false) { try verifier.consume($0) }
        return try verifier.finish()
    }

    func drain(_ store: any EntryStore, _ event: String, at now: Int64) async throws {
        #expect(try await store.holdSchedulerLease(for: .seconds(60)))
        for _ in 0..<100 {
            _ = try await store.award(event: event, limit: 1000, now: now)
            if try await store.event(id: event).waiting == 0 { return }
        }
        Issue.record("event did not drain")
    }

    @Test("a shuffle: the pre-queue waits unplaced, is drawn at opening, later entries queue behind, winners are the first places",
          arguments: Backend.allCases)
    func shuffle(backend: Backend) async throws {
        try await withBackend(backend) { store, _ in
            var new = try NewEvent(id: "s", name: "Shuffle", prizes: 5, opensAt: t0 + 100_000)
            new.order = .shuffle
            new.prequeueAt = t0 + 10_000
            let created = try await store.createEvent(new, now: t0)
            #expect(created.rules.contains(#""order":"shuffle","seed_commitment":""#))
            // Before the pre-queue: refused; in it: taken, without a place.
            let early = try await store.submit([Submission(event: "s", user: "early", payload: nil)], now: t0 + 5_000)
            #expect(early == [.rejected(.eventNotOpen(event: "s", state: .scheduled))])
            // Three batches, ten apart in time, so each entry's wait tells its batch.
            var queued: [EntryView] = []
            for batch in 0..<3 {
                queued += try await enter(store, (1...10).map { "p\(batch)-\($0)" }, event: "s", at: t0 + 20_000 + Int64(batch) * 1_000)
            }
            #expect(queued.allSatisfy { $0.place == nil && $0.position == nil && $0.status == .waiting })
            // Nothing is decided and nothing drawn before opening.
            #expect(try await store.makeDueDraws(now: t0 + 99_999).isEmpty)
            #expect(try await store.award(event: "s", limit: 100, now: t0 + 99_999).decided == nil)
            // Two arrive at opening, before the draw: they queue behind the pre-queue.
            let late = try await enter(store, ["late1", "late2"], event: "s", at: t0 + 100_500)
            #expect(try await store.makeDueDraws(now: t0 + 101_000) == ["s"])
            #expect(try await store.makeDueDraws(now: t0 + 102_000).isEmpty, "a draw happens once")
            let event = try await store.event(id: "s")
            #expect(event.draw == DrawMade(cutoff: t0 + 100_000, drawn: 30, drawnAt: t0 + 101_000))
            var places: [Int64: Int64] = [:]
            for view in queued + late { places[view.seq] = try await store.entry(token: view.token).place }
            #expect(Set((1...30).compactMap { places[Int64($0)] }) == Set(1...30), "the pre-queue's places are a permutation")
            #expect(places[31] == 31 && places[32] == 32)
            #expect((1...30).contains { places[Int64($0)] != Int64($0) }, "the order changed")
            // An entry made after the draw by a node whose clock lags is still dated no earlier than the cutoff.
            let lagging = try await enter(store, ["lagging"], event: "s", at: t0 + 99_000)
            let (_, rows) = try await store.auditEntries(event: "s", after: 32, limit: 10)
            #expect((rows.first?.createdAt ?? 0) >= t0 + 100_000 && lagging.first?.place == 33)
            // The first step decides places 1 and 2 only; the rest come later.
            #expect(try await store.holdSchedulerLease(for: .seconds(60)))
            #expect(try await store.award(event: "s", limit: 2, now: t0 + 102_500).decided == 1...2)
            try await drain(store, "s", at: t0 + 103_000)
            let winners = try await store.winners(event: "s", after: 0, limit: 100)
            let winningPlaces = Set(winners.map { places[$0.seq] ?? 0 })
            #expect(winningPlaces == Set(1...5), "the first five places win, whatever their seqs")
            let report = try await verify(store, "s")
            #expect(report.entries == 33 && report.winners == 5)
            // The course of the event finds every decided entry by its place: each wait is
            // its place's decision time minus its own entry time.
            let (_, all) = try await store.auditEntries(event: "s", after: 0, limit: 100)
            var expected: [Int64: Int64] = [:]
            for entry in all {
                let place = try #require(places[entry.seq] ?? (entry.seq == 33 ? 33 : nil))
                expected[(place <= 2 ? t0 + 102_500 : t0 + 103_000) - entry.createdAt, default: 0] += 1
            }
            let timeline = try await store.timeline(event: "s")
            #expect(Dictionary(uniqueKeysWithValues: timeline.waits.map { ($0.key, $0.count) }) == expected)
            // The draw is final.
            await #expect(throws: FirstComeError.drawMade(event: "s", what: "'prequeue_at'")) {
                _ = try await store.updateEvent(id: "s", patch: try EventPatch(prequeueAt: .some(t0)), now: t0 + 104_000)
            }
        }
    }

    @Test("a lottery with a beacon: the value is refused before the close, the draw waits for it, then verifies",
          arguments: Backend.allCases)
    func lotteryWithBeacon(backend: Backend) async throws {
        try await withBackend(backend) { store, _ in
            var new = try NewEvent(id: "l", name: "Lottery", prizes: 3, closesAt: t0 + 60_000)
            new.order = .lottery
            new.beacon = "drand quicknet round 1000"
            _ = try await store.createEvent(new, now: t0)
            _ = try await enter(store, (1...12).map { "u\($0)" }, event: "l", at: t0 + 1_000)
            await #expect(throws: FirstComeError.self) { _ = try await store.postBeacon(event: "l", value: "v", now: t0 + 59_000) }
            #expect(try await store.makeDueDraws(now: t0 + 61_000).isEmpty, "the draw waits for the beacon")
            _ = try await store.postBeacon(event: "l", value: "8c1f0e", now: t0 + 62_000)
            await #expect(throws: FirstComeError.self) { _ = try await store.postBeacon(event: "l", value: "other", now: t0 + 62_500) }
            #expect(try await store.makeDueDraws(now: t0 + 63_000) == ["l"])
            try await drain(store, "l", at: t0 + 64_000)
            let report = try await verify(store, "l")
            #expect(report.winners == 3 && report.lost == 9)
            let log = try await store.controlLog(event: "l").map(\.record)
            let draw = try #require(log.first { $0.hasPrefix(#"{"type":"draw""#) })
            #expect(draw.contains(#""beacon":"8c1f0e""#) && draw.contains(#""cutoff":\#(t0 + 60_000)"#))
        }
    }

    @Test("presence expiry in a shuffle skips absent entrants in place order; the audit replays it", arguments: Backend.allCases)
    func shuffleWithPresence(backend: Backend) async throws {
        try await withBackend(backend, presenceGrace: 0) { store, _ in
            var new = try NewEvent(id: "p", name: "Present", prizes: 3, opensAt: t0 + 100_000, presenceTimeout: 30)
            new.order = .shuffle
            new.prequeueAt = t0
            _ = try await store.createEvent(new, now: t0)
            let views = try await enter(store, (1...10).map { "u\($0)" }, event: "p", at: t0 + 10_000)
            // Every other entrant keeps a live stream open; the rest have left long before their turn.
            for view in views where view.seq % 2 == 0 { store.live.streaming(token: view.token, open: true) }
            #expect(try await store.makeDueDraws(now: t0 + 100_000) == ["p"])
            try await drain(store, "p", at: t0 + 200_000)
            var byPlace: [Int64: EntryView] = [:]
            for view in views {
                let now = try await store.entry(token: view.token)
                byPlace[try #require(now.place)] = now
            }
            // Walking the places: absent ones expire while prizes remain, present ones win, then all lose.
            var remaining = 3
            var expired: Int64 = 0
            for place in 1...10 as ClosedRange<Int64> {
                let view = try #require(byPlace[place])
                let expected: EntryStatus = remaining == 0 ? .lost : (view.seq % 2 == 0 ? .won : .expired)
                if expected == .won { remaining -= 1 }
                if expected == .expired { expired += 1 }
                #expect(view.status == expected, "place \(place), seq \(view.seq)")
            }
            let report = try await verify(store, "p")
            #expect(report.winners == 3 && report.expired == expired)
        }
    }

    @Test("a lottery's webhook deliveries name each winner's place", arguments: Backend.allCases)
    func webhookPlaces(backend: Backend) async throws {
        try await withBackend(backend) { store, _ in
            var new = try NewEvent(id: "w", name: "Hooked", prizes: 2, closesAt: t0 + 10_000)
            new.order = .lottery
            new.webhook = try WebhookTarget(url: "http://127.0.0.1:9/hook", secret: "s3cret-s3cret-s3cret")
            _ = try await store.createEvent(new, now: t0)
            let views = try await enter(store, (1...6).map { "u\($0)" }, event: "w", at: t0 + 1_000)
            #expect(try await store.makeDueDraws(now: t0 + 11_000) == ["w"])
            try await drain(store, "w", at: t0 + 12_000)
            var placeOf: [Int64: Int64] = [:]
            for view in views { placeOf[view.seq] = try await store.entry(token: view.token).place }
            let won = try await store.dueWebhooks(now: t0 + 13_000, perEvent: 100, limit: 100).filter { $0.type == .entryWon }
            #expect(won.count == 2)
            for delivery in won {
                #expect(delivery.linePlace == placeOf[delivery.seq] && (delivery.linePlace ?? 0) <= 2)
                let body = WebhookPayload.body(delivery, admissionToken: nil, finished: nil)
                #expect(body.contains(#""place":\#(delivery.linePlace ?? 0)"#))
            }
        }
    }

    @Test("a lottery closed early by an admin is drawn at that close")
    func lotteryClosedEarly() async throws {
        try await withBackend(.sqlite) { store, _ in
            var new = try NewEvent(id: "c", name: "Early", prizes: 2, closesAt: t0 + 600_000)
            new.order = .lottery
            _ = try await store.createEvent(new, now: t0)
            _ = try await enter(store, ["a", "b", "c", "d"], event: "c", at: t0 + 1_000)
            _ = try await store.updateEvent(id: "c", patch: try EventPatch(intake: .closed), now: t0 + 2_000)
            #expect(try await store.makeDueDraws(now: t0 + 3_000) == ["c"])
            #expect(try await store.event(id: "c").draw?.cutoff == t0 + 2_000)
            try await drain(store, "c", at: t0 + 4_000)
            #expect(try await verify(store, "c").winners == 2)
        }
    }
}
