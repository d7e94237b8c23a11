import Foundation
import Testing

@testable import FirstCome

/// The intake rule is written once (`Event.acceptsEntries`), and PostgreSQL's
/// `firstcome_submit` applies it again in SQL for its single round trip (its live
/// definition: schema/postgres.sql). Both stores must answer every boundary as
/// the rule does: taken exactly when it says so, refused with the state it names.
@Suite("Intake rule on every backend")
struct IntakeContractTests {
    let now: Int64 = 1_800_000_000_000

    /// Events at each edge of the rule, by id.
    func events(_ store: any EntryStore, at t: Int64) async throws {
        func make(_ id: String, prizes: Int64 = 5, opensAt: Int64? = nil, closesAt: Int64? = nil, _ edit: (inout NewEvent) -> Void = { _ in }) async throws {
            var new = try NewEvent(id: id, name: id, prizes: prizes, opensAt: opensAt, closesAt: closesAt)
            edit(&new)
            _ = try await store.createEvent(new, now: now)
        }
        try await make("open")
        try await make("closes-passed", closesAt: t - 1)
        try await make("closes-now", closesAt: t)
        try await make("closes-next", closesAt: t + 1)
        try await make("opens-now", opensAt: t)
        try await make("opens-next", opensAt: t + 1)
        try await make("prequeue-now", opensAt: t + 60_000) { $0.order = .shuffle; $0.prequeueAt = t }
        try await make("prequeue-next", opensAt: t + 60_000) { $0.order = .shuffle; $0.prequeueAt = t + 1 }
        try await make("closed")
        _ = try await store.updateEvent(id: "closed", patch: try EventPatch(intake: .closed), now: now + 1)
        try await make("archived")
        _ = try await store.updateEvent(id: "archived", patch: try EventPatch(intake: .closed, archived: true), now: now + 1)
        try await make("sold-out", prizes: 1)
        _ = try await store.submit([Submission(event: "sold-out", user: "first", payload: nil)], now: now + 2)
        let scheduler = AwardScheduler(store: store, clock: { self.now + 3 })
        while try await store.event(id: "sold-out").waiting > 0 { try await scheduler.tick() }
    }

    static let ids = [
        "open", "closes-passed", "closes-now", "closes-next", "opens-now", "opens-next", "prequeue-now", "prequeue-next", "closed",
        "archived", "sold-out",
    ]

    @Test("each store takes an entry exactly when Event.acceptsEntries says, and names the state it refuses in", arguments: Backend.allCases)
    func intake(backend: Backend) async throws {
        let t = now + 10_000
        try await withBackend(backend) { store, _ in
            try await events(store, at: t)
            var answers: [String: SubmitResult] = [:]
            // One batch holding every event, as a loaded group commit sends it.
            let results = try await store.submit(Self.ids.map { Submission(event: $0, user: "u", payload: nil) }, now: t)
            for (id, result) in zip(Self.ids, results) { answers[id] = result }
            for id in Self.ids {
                let event = try await store.event(id: id)
                let taken: Bool
                switch answers[id] {
                case .created: taken = true
                case .rejected(.eventNotOpen(let refused, let state)):
                    taken = false
                    #expect(refused == id && state == event.state(at: t), "\(backend) \(id): refused as \(state)")
                default:
                    Issue.record("\(backend) \(id): \(String(describing: answers[id]))")
                    continue
                }
                #expect(taken == event.acceptsEntries(at: t), "\(backend) \(id): taken \(taken), the rule says \(event.acceptsEntries(at: t))")
            }
            let expected: Set<String> = ["open", "closes-next", "opens-now", "prequeue-now", "sold-out"]
            #expect(Set(Self.ids.filter { if case .created = answers[$0] { true } else { false } }) == expected)
        }
    }
}
