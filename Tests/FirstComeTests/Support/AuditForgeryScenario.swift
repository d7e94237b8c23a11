import Foundation
import Logging
import Testing

@testable import FirstCome

/// The honest exports the forgeries start from.
enum ForgeryBase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// fifo: admin changes, payloads, odd names, several decisions, sold out, closed.
    case main
    /// Presence expiry: two entrants leave before their turn and expire.
    case presence
    /// Direct mode, then queue mode with a limit, then closed.
    case direct
    /// Closed, re-opened, closed and paused; nobody entered.
    case empty
    /// A shuffle with a pre-queue: 20 drawn at the opening, 3 behind them.
    case shuffle
    /// A lottery of 15 drawn at its close.
    case lottery
    /// A lottery whose draw waited for a beacon value.
    case beacon
    /// The shuffle and the lottery as they were before their draws.
    case undrawnShuffle
    case undrawnLottery

    var testDescription: String { rawValue }

    /// The events the scenario runs (the undrawn copies are made from two of them).
    static let events: [ForgeryBase] = [.main, .presence, .direct, .empty, .shuffle, .lottery, .beacon]
}

/// The events of scripts/audit-crosscheck's scenario that its tamper groups edit,
/// run once in process on SQLite with a test clock, exported with
/// `AuditExport` (payloads included for main, presence and shuffle, as there).
struct ForgeryScenario: Sendable {
    static let beacon = "drand quicknet round 12345"
    static let beaconValue = "a0c3b9f2d81e4c7f96b5e2d0c4a1f3e7b8d9c0a2e4f6b1c3d5e7f9a0b2c4d6e8"
    /// Drawn entries of the shuffle, the lottery and the beacon lottery.
    static let drawn: [ForgeryBase: Int64] = [.shuffle: 20, .lottery: 15, .beacon: 6]
    /// Payloads in their stored compact form; `nil` for none.
    static let payloads: [String?] = [
        #"{"address":"Rue de l'Église 5","size":42.50,"tags":["a","b"]}"#,
        #"{"note":"line\nbreak \"quoted\" \\ back/slash","n":1e3,"ok":true,"none":null}"#,
        "{}",
        #"{"deep":{"a":[{"b":[1,-0.5e-2]}]},"emoji":"🎉","raw":"日本"}"#,
        nil,
        nil,
    ]

    var exports: [ForgeryBase: [String]]
    /// Each event's commitment JSON, as GET /v1/events/{id}/commitment gives it.
    var commitments: [ForgeryBase: String]

    /// Made once for the whole suite.
    static let shared = Task { try await make() }

    /// The lines of a base export.
    func lines(_ base: ForgeryBase) throws -> [String] {
        switch base {
        case .undrawnShuffle: return try ForgedExport(lines: try lines(.shuffle)).undrawn().lines
        case .undrawnLottery: return try ForgedExport(lines: try lines(.lottery)).undrawn().lines
        default:
            guard let lines = exports[base] else { throw ForgeryError("no export of \(base)") }
            return lines
        }
    }

    func text(_ base: ForgeryBase) throws -> String { ForgedExport(lines: try lines(base)).text }

    static func make() async throws -> ForgeryScenario {
        let clock = TestClock()
        return try await withBackend(.sqlite, clock: { clock.now }, presenceGrace: 0) { store, _ in
            let run = ScenarioRun(store: store, clock: clock)
            try await run.fifoEvents()
            try await run.drawEvents()
            var scenario = ForgeryScenario(exports: [:], commitments: [:])
            for base in ForgeryBase.events {
                var lines: [String] = []
                try await AuditExport(store: store).write(eventID: base.rawValue, includePayload: [.main, .presence, .shuffle].contains(base)) {
                    lines.append($0)
                }
                scenario.exports[base] = lines
                scenario.commitments[base] = try await Commitment.json(store: store, id: base.rawValue, now: clock.now)
            }
            return scenario
        }
    }
}

/// The steps of the scenario, each at a time the test clock gives.
private struct ScenarioRun {
    let store: any EntryStore
    let clock: TestClock
    var scheduler: AwardScheduler {
        var logger = Logger(label: "firstcome.test")
        logger.logLevel = .warning
        return AwardScheduler(store: store, clock: { [clock] in clock.now }, logger: logger)
    }

    @discardableResult
    func enter(_ event: String, _ user: String, payload: String? = nil) async throws -> EntryView {
        clock.advance(10)
        // Names as the service stores them (trimmed, NFC), as the HTTP layer hands them over.
        let results = try await store.submit([Submission(event: event, user: EventRules.normalizedUser(user), payload: payload)], now: clock.now)
        switch results.first {
        case .created(let view)?, .existing(let view)?: return view
        case .rejected(let error)?: throw error
        case nil: throw ForgeryError("no result for \(user)")
        }
    }

    func patch(_ event: String, _ patch: EventPatch) async throws {
        clock.advance(10)
        _ = try await store.updateEvent(id: event, patch: patch, now: clock.now)
    }

    func create(_ new: NewEvent) async throws {
        clock.advance(10)
        _ = try await store.createEvent(new, now: clock.now)
    }

    /// Ticks the scheduler (100 ms apart) until none of `events` has an entry waiting.
    func drain(_ events: [String]) async throws {
        for _ in 0..<100 {
            var waiting: Int64 = 0
            for id in events { waiting += try await store.event(id: id).waiting }
            if waiting == 0 { return }
            clock.advance(100)
            try await scheduler.tick()
        }
        throw ForgeryError("\(events) did not drain")
    }

    static func twoDigits(_ number: Int) -> String { number < 10 ? "0\(number)" : "\(number)" }

    func fifoEvents() async throws {
        let day: Int64 = 86_400_000
        let start = clock.now
        let payloads = ForgeryScenario.payloads
        try await create(
            try NewEvent(
                id: "main", name: "Grand \"Tirage\" à Noël \\ \u{1}\t/\u{2028} ✓", prizes: 3, admitPerTick: 1, opensAt: start - day,
                closesAt: start + 400 * day))
        try await patch("main", try EventPatch(paused: true))
        let users = ["alice", "Bob, Jr.", "Jos\u{e9}", " carol\u{a0}", #"quote"back\slash"#, "日本語ユーザー", "🎉 party", "x/y"]
        for (index, user) in users.enumerated() { try await enter("main", user, payload: payloads[index % payloads.count]) }
        try await patch(
            "main",
            try EventPatch(admitPerTick: .some(2), name: "Grand Tirage (renamed)", opensAt: .some(start - 2 * day), closesAt: .some(start + 500 * day)))
        try await patch("main", try EventPatch(mode: .queue, presenceTimeout: .some(nil), paused: false))
        try await drain(["main"])
        for user in ["late-1", "late-2"] { try await enter("main", user, payload: #"{"late":true}"#) }
        try await patch("main", try EventPatch(intake: .closed, admitPerTick: .some(nil), opensAt: .some(nil), closesAt: .some(nil)))

        // Two entrants stay (they poll), two leave long before their turn, which comes while prizes remain.
        try await create(try NewEvent(id: "presence", name: "Presence", prizes: 2, presenceTimeout: 1))
        try await patch("presence", try EventPatch(paused: true))
        var tokens: [String: String] = [:]
        for user in ["leaves-1", "stays-1", "leaves-2", "stays-2"] {
            tokens[user] = try await enter("presence", user, payload: #"{"seat":"\#(user)"}"#).token
        }
        clock.advance(3_000)
        for user in ["stays-1", "stays-2"] { _ = try await store.entry(token: tokens[user] ?? "") }
        try await patch("presence", try EventPatch(paused: false))
        try await drain(["presence"])
        try await enter("presence", "late")
        var statuses: [String: EntryStatus] = [:]
        for (user, token) in tokens { statuses[user] = try await store.entry(token: token).status }
        guard statuses == ["leaves-1": .expired, "stays-1": .won, "leaves-2": .expired, "stays-2": .won] else {
            throw ForgeryError("presence expiry did not go as planned: \(statuses)")
        }

        try await create(try NewEvent(id: "direct", name: "Direct", prizes: 3, mode: .direct))
        try await enter("direct", "d1", payload: #"{"k":1}"#)
        try await enter("direct", "d2")
        try await patch("direct", try EventPatch(mode: .queue, admitPerTick: .some(1)))
        for user in ["d3", "d4", "d5"] { try await enter("direct", user) }
        try await drain(["direct"])
        try await patch("direct", try EventPatch(intake: .closed))

        try await create(try NewEvent(id: "empty", name: "Empty", prizes: 5, opensAt: start + 100 * day))
        try await patch("empty", try EventPatch(intake: .closed))
        try await patch("empty", try EventPatch(intake: .open))
        try await patch("empty", try EventPatch(intake: .closed, paused: true))
    }

    func drawEvents() async throws {
        let start = clock.now
        let (prequeueAt, opensAt, closesAt) = (start + 1_000, start + 4_000, start + 3_000)
        var shuffle = try NewEvent(id: "shuffle", name: "Mélange à l'ouverture ✓", prizes: 5, opensAt: opensAt)
        shuffle.order = .shuffle
        shuffle.prequeueAt = prequeueAt
        try await create(shuffle)
        var lottery = try NewEvent(id: "lottery", name: "Lottery", prizes: 4, closesAt: closesAt)
        lottery.order = .lottery
        try await create(lottery)
        var beacon = try NewEvent(id: "beacon", name: "Beacon lottery", prizes: 2, closesAt: closesAt)
        beacon.order = .lottery
        beacon.beacon = ForgeryScenario.beacon
        try await create(beacon)
        let payloads = ForgeryScenario.payloads
        for index in 0..<15 { try await enter("lottery", "lottery-" + Self.twoDigits(index), payload: payloads[index % payloads.count]) }
        for user in ["b-1", "\u{dc}n\u{ef}code b-2", "b-3", "b-4", "b-5", "b-6"] { try await enter("beacon", user) }

        // The pre-queue: entries taken before the opening wait for the draw.
        clock.advance(prequeueAt + 100 - clock.now)
        var users = (0..<20).map { "early-" + Self.twoDigits($0) }
        users[3] = "Zo\u{eb}"
        users[7] = "日本語の名前"
        users[11] = "Jose\u{301}"  // stored as NFC "José"
        for (index, user) in users.enumerated() {
            try await enter("shuffle", user, payload: index % 3 == 0 ? payloads[index % payloads.count] : nil)
        }
        guard clock.now < opensAt else { throw ForgeryError("the pre-queue entries ran past the opening") }

        // After the cutoffs: the beacon value is posted, three more queue behind the shuffle's draw.
        clock.advance(opensAt + 300 - clock.now)
        _ = try await store.postBeacon(event: "beacon", value: ForgeryScenario.beaconValue, now: clock.now)
        for user in ["after-opening-1", "after-opening-2", "after-opening-3"] { try await enter("shuffle", user, payload: #"{"late":true}"#) }
        try await scheduler.tick()
        try await drain(["shuffle", "lottery", "beacon"])
        for (base, drawn) in ForgeryScenario.drawn {
            guard try await store.event(id: base.rawValue).draw?.drawn == drawn else {
                throw ForgeryError("\(base) did not draw \(drawn) entries")
            }
        }
    }
}
