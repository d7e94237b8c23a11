import Foundation
import Testing

@testable import FirstCome

extension AuditForgeryTests {
    /// Drops every action from the control log, as an event from before the audit chain has none.
    static func dropActions(_ log: inout ForgedExport) throws {
        for (index, record) in try log.records().reversed() where record["type"]?.string == "action" { log.lines.remove(at: index) }
        try log.renumber()
    }

    /// A patch action inserted right after the first record of this type, at its time.
    static func patchAfter(_ kind: String, _ patch: String) -> Forgery.Edit {
        { log in
            guard let found = try log.records().first(where: { $0.record["type"]?.string == kind }) else { throw ForgeryError("no \(kind) record") }
            let (index, record) = (found.index, found.record)
            let at = try record.int(kind == "decision" ? "decided_at" : "at")
            let line = try ForgedExport.parse(log.lines[index]).with("record", .string(Forgery.patchRecord(at: at, patch)))
            log.lines.insert(line.canonical, at: index + 1)
            try log.renumber()
        }
    }

    /// tamper_audit_ii: forgeries an operator who writes the whole log (and so a
    /// commitment that matches it) could make, each against a MUST of docs/AUDIT.md.
    static let serviceRuleCases: [Forgery] = [
        .rechained("B48 a new event's log without its create, as an old event's", .main) { try dropActions(&$0) },
        .rechained("B49 an event from before the audit chain (no create) with an expiry", .presence) { log in
            try dropActions(&log)
            try log.editRules(["created_at": .integer(1_795_305_599_000)])
        },
        .rechained("B50 an expiry after a switch to direct mode", .presence) { log in
            guard let found = try log.records().first(where: { $0.record["type"]?.string == "decision" && $0.record["expired"] != nil }) else {
                throw ForgeryError("no expiry")
            }
            let patch = try ForgedExport.parse(log.lines[found.index]).with(
                "record", .string(Forgery.patchRecord(at: try found.record.int("decided_at"), #"{"mode":"direct"}"#)))
            log.lines.insert(patch.canonical, at: found.index)
            try log.renumber()
        },
        .rechained("B51 a create whose at is not the rules' created_at", .main) { log in
            let (index, record) = try log.records()[0]
            try log.editRecord(index, record.with("at", .integer(try record.int("at") + 1)).canonical)
        },
        .rechained("B52 a create naming identity HS512", .main) { try $0.editCreate(["identity": "HS512"]) },
        .rechained("B53 a payload digest of the wrong length", .main) { log in
            try log.editEntry(seq: 1, "payload_sha256", .string(String(repeating: "ab", count: 31)))
        },
        .rechained("B54 a payload digest in uppercase", .main) { log in
            try log.editEntry(seq: 1, "payload_sha256", .string(String(repeating: "AB", count: 32)))
        },
        .rechained("B55 the event line's id differs from the rules'", .main) { log in
            log.lines[0] = try ForgedExport.parse(log.lines[0]).with("event", "another").canonical
        },
        .rechained("B57 a decision dated before the draw", .shuffle) { log in
            let drawnAt = try log.drawLine().record.int("drawn_at")
            let (index, record) = try log.firstDecision()
            let decidedAt = try record.int("decided_at")
            try log.editRecord(
                index, try log.recordText(index).replacingText(#""decided_at":\#(decidedAt)"#, with: #""decided_at":\#(drawnAt - 1)"#))
        },
        .rechained("B59 a prize count corrected after a decision", .main, patchAfter("decision", #"{"prizes":1000}"#)),
        .rechained("B60 an event archived while it takes entries", .main, patchAfter("action", #"{"archived":true}"#)),
    ]

    @Test("a log an operator could write whole (matching its own commitment) that breaks a rule of the service is refused by both verifiers",
          arguments: AuditForgeryTests.serviceRuleCases)
    func serviceRules(_ forgery: Forgery) async throws {
        try await forgery.expectRefused()
    }

    /// A genuine export checked against a commitment that does not match it (group C).
    struct CommitmentForgery: Sendable, CustomTestStringConvertible {
        let name: String
        /// The export checked; the commitment is always main's.
        var export = ForgeryBase.main
        let edit: @Sendable (inout JSONPairs) throws -> Void
        var testDescription: String { name }
    }

    static let commitmentCases: [CommitmentForgery] = [
        CommitmentForgery(name: "C01 a commitment with another winners_digest") { $0.set("winners_digest", .string(zeros)) },
        CommitmentForgery(name: "C02 another event's commitment", export: .direct) { _ in },
        CommitmentForgery(name: "C03 a commitment with the rules' prizes changed") { commitment in
            guard var rules = commitment["rules"]?.object else { throw ForgeryError("no rules") }
            rules.set("prizes", .integer(try rules.int("prizes") + 1))
            commitment.set("rules", .object(rules))
        },
        CommitmentForgery(name: "C04 a commitment with entries as a string") { commitment in
            let entries = try commitment.int("entries")
            commitment.set("entries", .string(String(entries)))
        },
        CommitmentForgery(name: "C05 a commitment with winners as 2.0") { commitment in
            let winners = try commitment.int("winners")
            commitment.set("winners", .raw("\(winners).0"))
        },
        CommitmentForgery(name: "C06 a commitment with an extra key") { $0.append("note", "hello") },
        CommitmentForgery(name: "C07 a commitment without its rules") { $0.remove("rules") },
    ]

    @Test("a genuine export against a commitment that does not match it is refused by both verifiers",
          arguments: AuditForgeryTests.commitmentCases)
    func commitments(_ forgery: CommitmentForgery) async throws {
        let scenario = try await ForgeryScenario.shared.value
        var commitment = try ForgedExport.parse(try #require(scenario.commitments[.main]))
        try forgery.edit(&commitment)
        let text = try scenario.text(forgery.export)
        let report = try TwoVerifiers.swift(text).get()
        #expect(try await TwoVerifiers.commitmentDifferences(report, commitment.canonical) != [], "\(forgery.name)")
        let python = try TwoVerifiers.python(text, commitment: commitment.canonical)
        #expect(python.refused, "\(forgery.name): \(python.output)")
    }
}
