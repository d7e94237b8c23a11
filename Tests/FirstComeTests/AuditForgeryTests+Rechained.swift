import Foundation
import Testing

@testable import FirstCome

extension AuditForgeryTests {
    /// tamper_b: forgeries with every hash recomputed (and a few lines written
    /// out of canonical form): the rules of the log, not only its hashes, refuse them.
    static let rechainedCases: [Forgery] = [
        .rechained("B01 the same user twice", .main) { log in
            let first = try ForgedExport.parse(log.lines[try log.indexes("entry")[0]]).string("user")
            try log.editEntry(seq: 2, "user", .string(first))
        },
        .rechained("B02 an empty user", .main) { try $0.editEntry(seq: 2, "user", "") },
        .rechained("B03 a decision before its entry's created_at", .main) { log in
            let record = try log.firstDecision().record
            try log.editEntry(seq: try record.int("last_seq"), "created_at", .integer(try record.int("decided_at") + 5000))
        },
        .rechained("B04 a control record with a space", .main) { log in
            let index = try log.firstDecision().index
            try log.editRecord(index, try log.recordText(index).replacingText(#""won":"#, with: #""won": "#))
        },
        .rechained("B05 a control record's keys reordered", .main) { log in
            let found = try log.firstDecision()
            var record = found.record
            record.items.swapAt(1, 2)
            try log.editRecord(found.index, record.canonical)
        },
        .rechained("B06 an unknown control record type", .main) { log in
            try Forgery.appendControl(&log, record: #"{"type":"bonus","seq":1,"prize":"car"}"#)
        },
        .rechained("B07 a gap in the seqs", .main) { log in
            for index in try log.indexes("entry").suffix(2) {
                let line = try ForgedExport.parse(log.lines[index])
                log.lines[index] = line.with("seq", .integer(try line.int("seq") + 1)).canonical
            }
        },
        .rechained("B08 a decision while paused", .main) { log in
            let (index, record) = try log.firstDecision()
            let pause = try ForgedExport.parse(log.lines[index]).with(
                "record", .string(Forgery.patchRecord(at: try record.int("decided_at"), #"{"paused":true}"#)))
            log.lines.insert(pause.canonical, at: index)
            try log.renumber()
        },
        .rechained("B09 an expiry with presence expiry off", .presence) { log in
            let index = try log.records()[0].index
            try log.editRecord(
                index, try log.recordText(index).replacingText(#""presence_timeout_s":1}"#, with: #""presence_timeout_s":null}"#))
        },
        .rechained("B10 a user not in NFC", .main) { try $0.editEntry(seq: 3, "user", "Jose\u{301}") },
        .rechained("B11 a user with surrounding space", .main) { try $0.editEntry(seq: 2, "user", " Bob, Jr.") },
        .rechained("B12 a user with a control character", .main) { try $0.editEntry(seq: 2, "user", "Bob\u{7}") },
        .kept("B13 the event line's name changed", .main) { log in
            log.lines[0] = try ForgedExport.parse(log.lines[0]).with("name", "Another name").canonical
        },
        .kept("B14 an extra field in an entry line", .main) { log in
            let index = try log.indexes("entry")[1]
            var line = try ForgedExport.parse(log.lines[index])
            line.append("prize", "car")
            log.lines[index] = line.canonical
        },
        .kept("B15 an entry line's keys reordered", .main) { log in
            let index = try log.indexes("entry")[1]
            var line = try ForgedExport.parse(log.lines[index])
            line.items.swapAt(1, 2)
            log.lines[index] = line.canonical
        },
        .kept("B18 a seq written as 2.0", .main) { log in
            let index = try log.indexes("entry")[1]
            log.lines[index] = log.lines[index].replacingText(#""seq":2,"#, with: #""seq":2.0,"#)
        },
        .kept("B19 a duplicate key in an entry line", .main) { log in
            let index = try log.indexes("entry")[0]
            log.lines[index] = String(log.lines[index].dropLast()) + #","user":"mallory"}"#
        },
        .rechained("B20 a second create action", .main) { log in
            try Forgery.appendControl(&log, record: try log.recordText(try log.indexes("control")[0]))
        },
        .rechained("B21 prizes 0 in the rules", .direct) { log in
            let line = try ForgedExport.parse(log.lines[0])
            log.lines[0] = line.with("rules", .string(try line.string("rules").replacingText(#""prizes":3"#, with: #""prizes":0"#))).canonical
            for (index, record) in try log.records() where record["type"]?.string == "decision" {
                try log.editRecord(index, try log.recordText(index).replacingText(#""won":1"#, with: #""won":0"#))
            }
            for seq in 1...5 as ClosedRange<Int64> { try log.editEntry(seq: seq, "status", "lost") }
        },
        .rechained("B22 an unknown action kind", .main) { log in
            try Forgery.appendControl(&log, record: #"{"type":"action","at":1,"action":{"grant":{"user":"mallory"}}}"#)
        },
        .kept("B23 an entry after the control log", .presence) { log in
            // The last entry moved after the first control line.
            let entries = try log.indexes("entry")
            let control = try log.indexes("control")
            let moved = log.lines.remove(at: entries[entries.count - 1])
            log.lines.insert(moved, at: control[0])
        },
    ]

    @Test("a forged export with every hash recomputed, or with a line out of its form or place, is refused by both verifiers",
          arguments: AuditForgeryTests.rechainedCases)
    func rechained(_ forgery: Forgery) async throws {
        try await forgery.expectRefused()
    }

    /// The forgeries of the file's framing (tamper_b's B16, B17, B24 and tamper_audit_ii's B56).
    static let framingCases: [Forgery] = [
        .kept("B16 a blank line", .main) { log in log.lines.insert("", at: 2) },
        Forgery(name: "B17 no final line feed", base: .main, rechained: false, finish: { String($0.dropLast()) }) { _ in },
        .kept("B24 the event line ended by CRLF", .main) { log in log.lines[0] += "\r" },
        Forgery(name: "B56 a byte-order mark before the first line", base: .main, rechained: false, finish: { "\u{FEFF}" + $0 }) { _ in },
    ]

    @Test("a file not framed as an export (blank line, no final line feed, CRLF, byte-order mark) is refused by audit verify --file and audit-verify.py",
          arguments: AuditForgeryTests.framingCases)
    func framing(_ forgery: Forgery) async throws {
        let scenario = try await ForgeryScenario.shared.value
        let text = try forgery.text(in: scenario)
        let cli = try TwoVerifiers.cli(text)
        #expect(cli.status == 1 && cli.out.hasPrefix("FAILED: "), "\(forgery.name): \(cli.out)")
        let python = try TwoVerifiers.python(text)
        #expect(python.refused, "\(forgery.name): \(python.output)")
        // Without its last line feed every line of the file is still a good line: only the reading of the file refuses it.
        if !forgery.name.hasPrefix("B17"), case .success(let report) = TwoVerifiers.swift(text) {
            Issue.record("AuditVerifier accepts \(forgery.name): \(report)")
        }
    }
}
