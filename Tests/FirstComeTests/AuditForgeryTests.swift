import Foundation
import Testing

@testable import FirstCome

/// The tamper and forgery cases of scripts/audit-crosscheck on logs made in
/// process: `AuditVerifier` and the independent scripts/audit-verify.py accept
/// the honest exports and refuse every forged copy of them.
@Suite("Forged audit logs are refused by both verifiers")
struct AuditForgeryTests {
    static let zeros = String(repeating: "0", count: 64)

    @Test("the honest exports are accepted by both verifiers, which agree on the heads, the winners digest and the commitment",
          arguments: ForgeryBase.events)
    func honest(_ base: ForgeryBase) async throws {
        let scenario = try await ForgeryScenario.shared.value
        let text = try scenario.text(base)
        let report = try TwoVerifiers.swift(text).get()
        let python = try TwoVerifiers.python(text)
        #expect(python.accepted, "\(python.output)")
        for (label, value) in [("head", report.head), ("control_head", report.controlHead), ("winners_digest", report.winnersDigest)] {
            #expect(python.output.containsText("\(label) \(value)"), "\(label) \(value): \(python.output)")
        }
        let commitment = try #require(scenario.commitments[base])
        #expect(try await TwoVerifiers.commitmentDifferences(report, commitment) == [])
        let checked = try TwoVerifiers.python(text, commitment: commitment)
        #expect(checked.accepted && checked.output.containsText("commitment matches"), "\(checked.output)")

        // The forger's re-hash of an untouched export gives it back byte for byte.
        var rehashed = ForgedExport(lines: try scenario.lines(base))
        try rehashed.rechain()
        #expect(rehashed.text.utf8.elementsEqual(text.utf8), "rechain changes the honest \(base) export")

        // What the forgeries of each base edit is there.
        #expect(report.drawn == ForgeryScenario.drawn[base])
        let records = try ForgedExport(lines: try scenario.lines(base)).records().map { $0.record }
        let decisions = records.filter { $0["type"]?.string == "decision" }
        switch base {
        case .main:
            #expect(decisions.count >= 3 && report.winners == 3 && report.lost == 7, "\(report)")
            #expect(try scenario.lines(base)[1].containsText("42.50"), "the first entry's payload")
        case .presence:
            #expect(report.expired == 2 && decisions.contains { $0["expired"] != nil }, "\(report)")
        case .direct:
            #expect(report.entries == 5 && report.winners == 3)
        case .empty:
            #expect(report.entries == 0 && records.count == 4)
        case .beacon:
            #expect(records.first { $0["type"]?.string == "draw" }?["beacon"]?.string == ForgeryScenario.beaconValue)
        case .shuffle, .lottery:
            #expect(report.waiting == 0 && !decisions.isEmpty)
        case .undrawnShuffle, .undrawnLottery:
            Issue.record("not a scenario event")
        }
    }

    @Test("undrawn copies of the shuffle and the lottery, the base of some forgeries, are accepted by both verifiers",
          arguments: [ForgeryBase.undrawnShuffle, .undrawnLottery])
    func undrawn(_ base: ForgeryBase) async throws {
        let scenario = try await ForgeryScenario.shared.value
        let text = try scenario.text(base)
        let report = try TwoVerifiers.swift(text).get()
        #expect(report.drawn == nil && report.waiting == report.entries && report.entries > 0, "\(report)")
        let python = try TwoVerifiers.python(text)
        #expect(python.accepted && python.output.containsText("not drawn yet"), "\(python.output)")
    }

    /// tamper_a: edits that leave the old hashes in place.
    static let keptHashCases: [Forgery] = [
        .kept("A01 a user changed", .main) { try $0.editEntry(seq: 1, "user", "mallory") },
        .kept("A02 a payload hash changed", .main) { try $0.editEntry(seq: 2, "payload_sha256", .string(zeros)) },
        .kept("A03 an entry link changed", .main) { try $0.editEntry(seq: 3, "chain", .string(String(repeating: "f", count: 64))) },
        .kept("A04 a seq changed", .main) { try $0.editEntry(seq: 2, "seq", 3) },
        .kept("A05 two entry lines swapped", .main) { log in
            let entries = try log.indexes("entry")
            log.lines.swapAt(entries[1], entries[2])
        },
        .kept("A06 two control lines swapped", .main) { log in
            let control = try log.indexes("control")
            log.lines.swapAt(control[1], control[2])
        },
        .kept("A07 a decision's decided_at changed", .main) { log in
            let (index, record) = try log.firstDecision()
            try log.editRecord(index, record.with("decided_at", .integer(try record.int("decided_at") + 1)).canonical)
        },
        .kept("A08 a create action's field changed", .main) { log in
            let index = try log.records()[0].index
            try log.editRecord(index, try log.recordText(index).replacingText(#""admit_per_tick":1"#, with: #""admit_per_tick":9"#))
        },
        .kept("A09 a space added inside a record", .main) { log in
            let index = try log.firstDecision().index
            try log.editRecord(index, try log.recordText(index).replacingText(#""won":"#, with: #""won": "#))
        },
        .kept("A10 a winner's status made lost", .main) { try $0.editEntry(seq: try $0.seq(ofStatus: "won"), "status", "lost") },
        .kept("A11 a loser's status made won", .main) { try $0.editEntry(seq: try $0.seq(ofStatus: "lost"), "status", "won") },
        .kept("A12 an entry line deleted", .main) { log in log.lines.remove(at: try log.indexes("entry")[3]) },
        .kept("A13 the heads line dropped", .main) { log in log.lines.removeLast() },
        .kept("A14 the heads' entry count changed", .main) { log in
            let count = try log.indexes("entry").count
            log.lines[log.lines.count - 1] = try ForgedExport.parse(log.lines[log.lines.count - 1]).with("entries", .integer(Int64(count + 1))).canonical
        },
        .kept("A15 a payload changed, its hash kept", .main) { log in
            let index = try log.indexes("entry")[0]
            let line = try ForgedExport.parse(log.lines[index])
            log.lines[index] = line.with("payload", .string(try line.string("payload").replacingText("42.50", with: "42.5"))).canonical
        },
        .kept("A16 the prizes changed in the rules", .main) { log in
            let line = try ForgedExport.parse(log.lines[0])
            log.lines[0] = line.with("rules", .string(try line.string("rules").replacingText(#""prizes":3"#, with: #""prizes":4"#))).canonical
        },
        .kept("A17 the genesis changed", .main) { log in log.lines[0] = try ForgedExport.parse(log.lines[0]).with("genesis", .string(zeros)).canonical },
        .kept("A18 an expired entry made won", .presence) { try $0.editEntry(seq: try $0.seq(ofStatus: "expired"), "status", "won") },
        .kept("A19 a decision's expired list changed", .presence) { log in
            guard let found = try log.records().first(where: { $0.record["expired"] != nil }),
                let first = found.record["expired"]?.array?.first?.int
            else { throw ForgeryError("no decision with an expired list") }
            let index = found.index
            try log.editRecord(index, try log.recordText(index).replacingText(#","expired":[\#(first)"#, with: #","expired":[\#(first + 1)"#))
        },
        .kept("A20 the last control line deleted", .main) { log in log.lines.remove(at: try log.indexes("control").last ?? 0) },
        .kept("A21 a second heads line", .main) { log in log.lines.append(log.lines[log.lines.count - 1]) },
    ]

    @Test("an export edited without recomputing its hashes is refused by both verifiers", arguments: AuditForgeryTests.keptHashCases)
    func keptHashes(_ forgery: Forgery) async throws {
        try await forgery.expectRefused()
    }

    /// tamper_draw_a: edits of drawn events that leave the old hashes in place.
    static let drawKeptHashCases: [Forgery] = [
        .kept("A22 the secret changed in the draw record", .shuffle) { log in
            try log.editDraw(["secret": .string(ForgedExport.hex(ForgedExport.sha256(Array("not the secret".utf8))))])
        },
        .kept("A23 the seed changed in the draw record", .shuffle) { log in
            try log.editDraw(["seed": .string(ForgedExport.hex(ForgedExport.sha256(Array("not the secret".utf8))))])
        },
        .kept("A24 a place changed on an entry line", .shuffle) { log in
            let entries = try log.indexes("entry")
            let place = try ForgedExport.parse(log.lines[entries[0]]).int("place")
            try log.editEntry(seq: 1, "place", .integer(place % Int64(entries.count) + 1))
        },
        .kept("A25 the beacon value changed in the draw record", .beacon) { log in
            try log.editDraw(["beacon": .string(String(ForgeryScenario.beaconValue.reversed()))])
        },
    ]

    @Test("a drawn event's export edited without recomputing its hashes is refused by both verifiers", arguments: AuditForgeryTests.drawKeptHashCases)
    func drawsKeptHashes(_ forgery: Forgery) async throws {
        try await forgery.expectRefused()
    }
}
