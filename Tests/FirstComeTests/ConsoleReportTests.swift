import Foundation
import HummingbirdTesting
import Testing

@testable import FirstCome

/// The console's report page and CSV, and its webhook section with redelivery.
@Suite struct ConsoleReportTests {
    @Test func reportPageAndCSV() async throws {
        try await withLiveApp(tick: .milliseconds(20)) { client, store in
            try await client.json(.post, "/v1/events", body: #"{"id":"rep","name":"Report drop","prizes":2}"#, admin: true)
            for user in 1...5 { try await client.json(.post, "/v1/events/rep/entries", body: #"{"user":"r\#(user)"}"#) }
            #expect(try await eventually { try await store.event(id: "rep").waiting == 0 })
            try await client.json(.patch, "/v1/events/rep", body: #"{"state":"closed"}"#, admin: true)
            #expect(try await client.execute(uri: "/admin/events/rep/report", method: .get).status == .seeOther)
            let visitor = try await ConsoleVisitor.signIn(client)
            let page = try await client.consoleGet("/admin/events/rep/report", as: visitor)
            #expect(page.status == .ok)
            #expect(page.html.contains(#"<dd id="r-entries">5</dd>"#) && page.html.contains(#"<dd id="r-won">2</dd>"#))
            #expect(page.html.contains(#"<dd id="r-lost">3</dd>"#))
            #expect(page.html.contains(#"id="r-arrivals""#) && page.html.contains("@media print"))
            // The admin actions: the creation and the close.
            #expect(page.html.components(separatedBy: "<td>created</td>").count == 2)
            #expect(page.html.contains("<td class=\"wrap\">intake closed</td>"), "actions in words, not JSON")
            #expect(!page.html.contains("&quot;state&quot;"))
            #expect(page.html.contains("· 2 prizes</p>"), "the prize count in words")
            let csv = try await client.consoleGet("/admin/events/rep/report.csv", as: visitor)
            #expect(csv.status == .ok && csv.response.headers[.contentDisposition] == "attachment; filename=\"rep-report.csv\"")
            let lines = csv.html.split(separator: "\n")
            #expect(lines.first == "time,arrivals,decided,won,lost,expired,entries,waiting,prizes_left")
            #expect(lines.dropFirst().reduce(0) { $0 + (Int($1.split(separator: ",")[1]) ?? 0) } == 5)
            let korean = try await client.consoleGet("/admin/events/rep/report?lang=ko", as: visitor)
            #expect(korean.html.contains("보고서"))
            #expect(try await client.consoleGet("/admin/events/nope/report", as: visitor).status == .notFound)
            let event = try await client.consoleGet("/admin/events/rep", as: visitor)
            #expect(event.html.contains(#"id="report-link""#) && event.html.contains("No webhook"))
        }
    }

    @Test func proofOfWorkFromTheForms() async throws {
        try await withLiveApp { client, store in
            let visitor = try await ConsoleVisitor.signIn(client)
            let created = try await client.consolePost("/admin/events", as: visitor, ["id": "pz", "name": "Puzzle", "prizes": "3", "pow_bits": "18"])
            #expect(created.status == .seeOther)
            #expect(try await store.event(id: "pz").powBits == 18)
            let tooHard = try await client.consolePost("/admin/events", as: visitor, ["id": "pz2", "name": "Puzzle", "prizes": "3", "pow_bits": "27"])
            #expect(tooHard.status == .badRequest && String(buffer: tooHard.body).contains("pow_bits"))
            let page = try await client.consoleGet("/admin/events/pz", as: visitor)
            #expect(page.html.contains(#"name="pow_bits" value="18""#))
            let fields = ["name": "Puzzle", "mode": "queue", "admit_per_tick": "", "presence_timeout_s": "", "opens_at": "", "closes_at": ""]
            #expect(try await client.consolePost("/admin/events/pz/settings", as: visitor, fields.merging(["pow_bits": ""]) { $1 }).status == .seeOther)
            #expect(try await store.event(id: "pz").powBits == 0)
            #expect(try await store.controlLog(event: "pz").last?.record.hasSuffix(#"{"patch":{"pow_bits":0}}}"#) == true)
        }
    }

    @Test func webhookSectionRedelivers() async throws {
        try await WebhookReceiver.with { receiver, url in
            try await withLiveApp(tick: .milliseconds(20), configure: allowLoopback) { client, store in
                try await client.json(
                    .post, "/v1/events",
                    body: #"{"id":"hook","name":"Hook","prizes":1,"webhook":{"url":"\#(url)","secret":"0123456789abcdef"}}"#, admin: true)
                try await client.json(.post, "/v1/events/hook/entries", body: #"{"user":"w1"}"#)
                #expect(try await eventually(timeout: .seconds(20)) { receiver.firstIDs == ["hook:entry.won:1", "hook:event.sold_out"] })
                let visitor = try await ConsoleVisitor.signIn(client)
                let page = try await client.consoleGet("/admin/events/hook", as: visitor)
                #expect(page.html.contains(url) && !page.html.contains("0123456789abcdef"))
                #expect(page.html.contains("0 pending · 2 delivered · 0 given up"))
                let refused = try await client.consolePost("/admin/events/hook/webhook/redeliver", ["which": "all", "csrf": "0"], headers: visitor.headers)
                #expect(refused.status == .forbidden)
                let asked = try await client.consolePost("/admin/events/hook/webhook/redeliver", as: visitor, ["which": "all"])
                #expect(asked.status == .ok && receiver.accepted.count == 2, "everything is resent only once confirmed")
                let again = try await client.consolePost("/admin/events/hook/webhook/redeliver", as: visitor, ["which": "all", "confirm": "yes"])
                #expect(again.status == .seeOther)
                #expect(try await eventually(timeout: .seconds(20)) { receiver.accepted.count == 4 })
                #expect(receiver.accepted.suffix(2).map(\.id) == ["hook:entry.won:1", "hook:event.sold_out"])
                // The round records its results right after the receiver answered.
                #expect(try await eventually { try await store.webhookStatus(event: "hook", recent: 0).delivered == 2 })
            }
        }
    }
}
