import Foundation
import HummingbirdTesting
import Testing

@testable import FirstCome

/// Names built to run as spreadsheet formulas or to reorder what a reader sees
/// reach every CSV and the console as inert, visible text.
@Suite("CSV injection")
struct CSVInjectionTests {
    /// Entrant names an attacker would pick, with the CSV field each must become.
    static let hostile: [(name: String, field: String)] = [
        (#"=HYPERLINK("http://evil.example","x")"#, #""'=HYPERLINK(""http://evil.example"",""x"")""#),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("-2+3", "'-2+3"),
        ("gift\u{202E}txt.exe", "gift<U+202E>txt.exe"),
    ]

    @Test("a field starting with = + - @ TAB or CR is neutralised with ' and quoted as CSV requires")
    func fields() {
        #expect(SpreadsheetCSV.field("plain") == "plain")
        #expect(SpreadsheetCSV.field("a,b") == "\"a,b\"")
        #expect(SpreadsheetCSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        for (name, field) in Self.hostile { #expect(SpreadsheetCSV.field(name) == field, "\(name)") }
        #expect(SpreadsheetCSV.field("=1,2") == "\"'=1,2\"")
        #expect(SpreadsheetCSV.field("\tx") == "<U+0009>x")
        #expect(SpreadsheetCSV.field("a=b-c") == "a=b-c")
        #expect(SpreadsheetCSV.row(["1", "-1", "x"]) == "1,'-1,x\n")
    }

    @Test("control and bidi characters are spelled out as <U+XXXX>")
    func visible() {
        #expect(VisibleText.escaped("plain ünïcode 名前") == "plain ünïcode 名前")
        #expect(VisibleText.escaped("a\u{0007}b\u{007F}\u{0085}") == "a<U+0007>b<U+007F><U+0085>")
        for scalar in [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069] {
            let text = String(Unicode.Scalar(UInt32(scalar))!)
            #expect(VisibleText.escaped(text) == String(format: "<U+%04X>", scalar))
        }
    }

    @Test("the API's and the console's winners CSV and the console's pages show hostile names inert")
    func liveExports() async throws {
        try await withLiveApp { client, store in
            try await client.json(.post, "/v1/events", body: #"{"id":"csv","name":"CSV","prizes":10}"#, admin: true)
            for (name, _) in Self.hostile {
                let reply = try await client.json(.post, "/v1/events/csv/entries", body: "{\"user\":\(JSONText.quote(name))}")
                #expect(reply.status == .created, "\(name)")
            }
            #expect(try await eventually { try await store.event(id: "csv").awarded == Int64(Self.hostile.count) })
            let api = try await client.execute(uri: "/v1/events/csv/winners", method: .get, headers: [.authorization: "Bearer \(testAdminToken)", .accept: "text/csv"])
            let visitor = try await ConsoleVisitor.signIn(client)
            let console = try await client.consoleGet("/admin/events/csv/winners.csv", as: visitor)
            for (csv, timeLength) in [(String(buffer: api.body), 25), (console.html, 20)] {
                let fields = csv.split(separator: "\n").dropFirst().map { line in
                    String(line.split(separator: ",", maxSplits: 1)[1].dropLast(timeLength))
                }
                #expect(fields == Self.hostile.map(\.field), "\(csv)")
                #expect(!csv.contains("\u{202E}"))
            }
            let page = try await client.consoleGet("/admin/events/csv", as: visitor)
            #expect(page.html.contains("gift&lt;U+202E&gt;txt.exe") && !page.html.contains("\u{202E}"))
            let found = try await client.consoleGet("/admin/events/csv?find=" + WaitingPage.percentEncode("gift\u{202E}txt.exe"), as: visitor)
            #expect(found.html.contains("<dd>gift&lt;U+202E&gt;txt.exe</dd>"), "\(found.html)")
        }
    }

    @Test("firstcome winners and audit export --format csv neutralise; the JSON Lines export keeps the names byte for byte")
    func cliExports() async throws {
        try await TemporaryDatabase.with { pool, database in
            let store = try SQLiteEntryStore(pool: pool)
            _ = try await store.createEvent(try NewEvent(id: "csv", name: "CSV", prizes: 10), now: 1_000)
            _ = try await store.submit(Self.hostile.map { Submission(event: "csv", user: $0.name, payload: nil) }, now: 2_000)
            _ = try await store.award(event: "csv", limit: 100, now: 3_000)

            let winners = try Binary.run(["winners", "--db", database.path, "--event", "csv"])
            #expect(winners.status == 0, "\(winners.err)")
            let winnerFields = winners.out.split(separator: "\n").dropFirst().map { String($0.split(separator: ",", maxSplits: 1)[1].dropLast(25)) }
            #expect(winnerFields == Self.hostile.map(\.field), "\(winners.out)")

            let audit = try Binary.run(["audit", "export", "--db", database.path, "--event", "csv", "--format", "csv"])
            #expect(audit.status == 0, "\(audit.err)")
            let rows = audit.out.split(separator: "\n")
            #expect(rows.first == "seq,user,created_at,status,payload_sha256,chain")
            for (index, (_, field)) in Self.hostile.enumerated() {
                #expect(rows[index + 1].hasPrefix("\(index + 1),\(field),"), "\(rows[index + 1])")
            }

            let lines = try Binary.run(["audit", "export", "--db", database.path, "--event", "csv"])
            var expected: [String] = []
            try await AuditExport(store: store).write(eventID: "csv", includePayload: false) { expected.append($0) }
            #expect(lines.out == expected.map { $0 + "\n" }.joined())
            #expect(lines.out.contains(JSONText.quote("gift\u{202E}txt.exe")) && !lines.out.contains("<U+"))
        }
    }
}
