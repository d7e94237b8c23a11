import Foundation
import Testing

@testable import FirstCome

extension AuditForgeryTests {
    /// A patch action after the last control record, at that record's time.
    static func appendPatch(_ log: inout ForgedExport, _ patch: String) throws {
        guard let last = try log.indexes("control").last else { throw ForgeryError("no control log") }
        let record = try ForgedExport.parse(try log.recordText(last))
        guard let at = record["at"]?.int ?? record["decided_at"]?.int ?? record["drawn_at"]?.int else { throw ForgeryError("no time") }
        try Forgery.appendControl(&log, record: Forgery.patchRecord(at: at, patch))
    }

    /// tamper_draw_b: forged draws with every hash recomputed; only the draw's rules catch them.
    static let forgedDrawCases: [Forgery] = [
        .rechained("B25 a secret that does not match the commitment, seed and places to match", .shuffle) { log in
            let record = try log.drawLine().record
            let drawn = try record.int("drawn")
            let secret = ForgedExport.sha256(Array("a secret chosen after the entries".utf8))
            let seed = ForgedExport.drawSeed(secret: secret, entryLink: try log.entryLink(seq: drawn), beacon: record["beacon"]?.string)
            try log.editDraw(["secret": .string(ForgedExport.hex(secret)), "seed": .string(ForgedExport.hex(seed))])
            try log.redraw(seed: seed, drawn: drawn)
        },
        .rechained("B26 a seed made without the beacon value, places to match", .beacon) { log in
            let record = try log.drawLine().record
            let drawn = try record.int("drawn")
            let seed = ForgedExport.drawSeed(
                secret: try ForgedExport.bytes(hex: try record.string("secret")), entryLink: try log.entryLink(seq: drawn), beacon: nil)
            try log.editDraw(["seed": .string(ForgedExport.hex(seed))])
            try log.redraw(seed: seed, drawn: drawn)
        },
        .rechained("B27 two entries' places swapped, statuses kept", .lottery) { log in
            let entries = try log.indexes("entry")
            let first = try ForgedExport.parse(log.lines[entries[0]])
            let second = try ForgedExport.parse(log.lines[entries[1]])
            log.lines[entries[0]] = first.with("place", second["place"] ?? .null).canonical
            log.lines[entries[1]] = second.with("place", first["place"] ?? .null).canonical
        },
        .rechained("B28 drawn one short, seed and places to match", .shuffle) { log in
            let record = try log.drawLine().record
            let drawn = try record.int("drawn") - 1
            let seed = ForgedExport.drawSeed(
                secret: try ForgedExport.bytes(hex: try record.string("secret")), entryLink: try log.entryLink(seq: drawn),
                beacon: record["beacon"]?.string)
            try log.editDraw(["drawn": .integer(drawn), "seed": .string(ForgedExport.hex(seed))])
            try log.redraw(seed: seed, drawn: drawn)
        },
        .rechained("B29 a decision before the draw (the two records swapped)", .lottery) { log in
            let draw = try log.drawLine().index
            let decision = try log.firstDecision().index
            let drawText = try log.recordText(draw)
            let decisionText = try log.recordText(decision)
            try log.editRecord(draw, decisionText)
            try log.editRecord(decision, drawText)
        },
        .rechained("B30 the draw's cutoff moved", .lottery) { log in
            try log.editDraw(["cutoff": .integer(try log.drawLine().record.int("cutoff") - 1)])
        },
        .rechained("B31 a second draw record", .beacon) { log in
            try Forgery.appendControl(&log, record: try log.recordText(try log.drawLine().index))
        },
        .rechained("B32 the shuffle's opens_at moved after its draw", .shuffle) { log in
            try appendPatch(&log, #"{"opens_at":\#(try log.drawLine().record.int("cutoff") + 60_000)}"#)
        },
        .rechained("B33 a lottery switched to direct mode after its draw", .lottery) { log in
            try appendPatch(&log, #"{"mode":"direct"}"#)
        },
    ]

    @Test("a forged draw with every hash recomputed is refused by both verifiers", arguments: AuditForgeryTests.forgedDrawCases)
    func forgedDraws(_ forgery: Forgery) async throws {
        try await forgery.expectRefused()
    }

    /// A draw record with this beacon value, and the seed and places that go with it.
    static func beaconValue(_ value: String) -> Forgery.Edit {
        { log in
            let record = try log.drawLine().record
            let drawn = try record.int("drawn")
            let seed = ForgedExport.drawSeed(
                secret: try ForgedExport.bytes(hex: try record.string("secret")), entryLink: try log.entryLink(seq: drawn), beacon: value)
            try log.editDraw(["beacon": .string(value), "seed": .string(ForgedExport.hex(seed))])
            try log.redraw(seed: seed, drawn: drawn)
        }
    }

    static let commitmentReason = (python: "seed_commitment must be 64 lowercase hex digits", swift: "seed commitment is not 64 lowercase hex digits")
    static let beaconReason = (
        python: "the rules' beacon must be a non-empty text without control characters", swift: "the rules' beacon"
    )
    static let valueReason = (python: "the beacon value must be 1 to 512 code points with a visible character", swift: "the beacon value")

    /// tamper_order_b: forgeries of the create action, the rules and the beacon
    /// value with every hash recomputed, each refused for the reason the script names.
    static let forgedOrderCases: [Forgery] = [
        .rechained(
            "B34 an undrawn shuffle created with opens_at null", .undrawnShuffle, python: "a shuffle event must be created with opens_at",
            swift: "order 'shuffle' needs 'opens_at'"
        ) { try $0.editCreate(drop: ["prequeue_at"], ["opens_at": nil]) },
        .rechained(
            "B35 an undrawn lottery created with closes_at null", .undrawnLottery, python: "a lottery event must be created with closes_at",
            swift: "order 'lottery' needs 'closes_at'"
        ) { try $0.editCreate(["closes_at": nil]) },
        .rechained(
            "B36 prequeue_at in a fifo event's create", .main, python: "a pre-queue (prequeue_at) in a fifo event",
            swift: "'prequeue_at' needs 'order' shuffle or lottery"
        ) { log in
            guard let opensAt = try log.createField("opens_at")?.int else { throw ForgeryError("no opens_at") }
            try log.editCreate(["prequeue_at": .integer(opensAt - 60_000)])
        },
        .rechained(
            "B37 a shuffle's prequeue_at equal to its opens_at", .shuffle, python: "prequeue_at must be before opens_at",
            swift: "'prequeue_at' must be before 'opens_at'"
        ) { log in try log.editCreate(["prequeue_at": try log.createField("opens_at") ?? .null]) },
        .rechained(
            "B38 closes_at equal to opens_at in a create", .empty, python: "closes_at is not after opens_at",
            swift: "'closes_at' must be after 'opens_at'"
        ) { log in try log.editCreate(["closes_at": try log.createField("opens_at") ?? .null]) },
        .rechained(
            "B39 an undrawn shuffle's rules in mode direct", .undrawnShuffle, python: "the rules' order shuffle needs mode queue",
            swift: "the rules give order 'shuffle' with mode 'direct'"
        ) { try $0.editRules(["mode": "direct"]) },
        .rechained("B40 an undrawn lottery's seed_commitment empty", .undrawnLottery, python: commitmentReason.python, swift: commitmentReason.swift) {
            try $0.editRules(["seed_commitment": ""])
        },
        .rechained("B41 an undrawn lottery's seed_commitment ABC", .undrawnLottery, python: commitmentReason.python, swift: commitmentReason.swift) {
            try $0.editRules(["seed_commitment": "ABC"])
        },
        .rechained(
            "B42 an undrawn lottery's seed_commitment in uppercase hex", .undrawnLottery, python: commitmentReason.python,
            swift: commitmentReason.swift
        ) { log in try log.editRules(["seed_commitment": .string(try log.rules().string("seed_commitment").uppercased())]) },
        .rechained("B43 an empty beacon description, seed to match", .beacon, python: beaconReason.python, swift: beaconReason.swift) { log in
            try log.editRules(["beacon": ""])
            try log.reseed()
        },
        .rechained("B44 a beacon description with U+0001, seed to match", .beacon, python: beaconReason.python, swift: beaconReason.swift) { log in
            try log.editRules(["beacon": "drand\u{1}quicknet"])
            try log.reseed()
        },
        .rechained(
            "B45 a draw with an empty beacon value, seed to match", .beacon, python: valueReason.python, swift: valueReason.swift,
            beaconValue("")),
        .rechained(
            "B46 a beacon value with U+0007, seed to match", .beacon, python: valueReason.python, swift: valueReason.swift,
            beaconValue(String(ForgeryScenario.beaconValue.prefix(32)) + "\u{7}")),
        .rechained(
            "B58 a blank beacon value, seed to match", .beacon, python: valueReason.python, swift: valueReason.swift, beaconValue("   ")),
        .rechained(
            "B47 an undrawn shuffle with an empty control log", .undrawnShuffle, python: "must start with its create action",
            swift: "create action"
        ) { log in
            for index in try log.indexes("control").reversed() { log.lines.remove(at: index) }
        },
    ]

    @Test("a forged create action, rules or beacon value with every hash recomputed is refused by both verifiers, for the reason meant",
          arguments: AuditForgeryTests.forgedOrderCases)
    func forgedOrders(_ forgery: Forgery) async throws {
        try await forgery.expectRefused()
    }
}
